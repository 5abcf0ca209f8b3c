// im2col / col2im driven by an offset table (as the CPU kernels): table[kk·P + p] is the
// flat spatial offset of kernel tap kk at output position p, or −1 in the padding. The same
// code serves 1-, 2- and 3-D convolutions and pooling.
// col element (image, row = c·KK + kk, p) at col[image·colStride + row·rowStride + p]: per image
// [Cg·KK rows][P columns] (rowStride P, colStride rows·P), or images side by side within each
// row (rowStride nImg·P, colStride P) so that one GEMM covers them all when P is small.

// Element i = (image·rows + row)·P + p. Index arithmetic in 32 bits where the count allows (a
// 64-bit division costs several times a 32-bit one, and these kernels are otherwise bound by
// memory): the host keeps a chunk under 2^27 elements unless one image alone is larger.
#define NL_COL_INDEX(I, T)                                                        \
  T q = (I) / (T)P;                                                               \
  int p = (int)((I) - q * (T)P);                                                  \
  T qi = q / (T)rows;                                                             \
  int row = (int)(q - qi * (T)rows), img = (int)qi;                               \
  int o = table[(row % KK) * P + p];                                              \
  long long xi = img * xImgStride + (long long)(row / KK) * inSize + o;          \
  long long ci = img * colStride + (long long)row * rowStride + p;

// BODY for every element of the nImg·rows·P, with o, xi and ci as above (32-bit loop counters
// cannot overflow below 2^30 plus a grid stride).
#define NL_COL_LOOP(BODY)                                                                         \
  int rows = Cg * KK;                                                                             \
  long long n = (long long)nImg * rows * P;                                                       \
  if (n < (1LL << 30)) {                                                                          \
    int n32 = (int)n;                                                                             \
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n32; i += gridDim.x * blockDim.x) {   \
      NL_COL_INDEX((unsigned)i, unsigned)                                                         \
      BODY                                                                                        \
    }                                                                                             \
  } else {                                                                                        \
    NL_FOR(i, n) {                                                                                \
      NL_COL_INDEX(i, long long)                                                                  \
      BODY                                                                                        \
    }                                                                                             \
  }

NL_EXTERN void im2col(const float *x, float *col, const int *table, int nImg, int Cg, int KK, int P,
                      long long xImgStride, int inSize, long long colStride, long long rowStride) {
  NL_COL_LOOP(col[ci] = o >= 0 ? x[xi] : 0.f;)
}

// dst(a, b, p) = src(a, b, p) (+ bias[a]) (then ReLU) for a 3-D [A][B][P] block between two
// stride sets: a convolution's image-major activations and the channel-major layout of the
// images-side-by-side GEMM, both ways.
NL_EXTERN void copy3(const float *src, float *dst, int A, int B, int P, long long sA, long long sB,
                     long long dA, long long dB, const float *bias, int relu) {
  long long n = (long long)A * B * P;
  NL_FOR(i, n) {
    int p = (int)(i % P);
    long long ab = i / P;
    int b = (int)(ab % B), a = (int)(ab / B);
    float v = src[a * sA + b * sB + p];
    if (bias) v += bias[a];
    if (relu) v = v > 0.f ? v : 0.f;
    dst[a * dA + b * dB + p] = v;
  }
}

// Scatter-add of col back into x (x zeroed by the host). atomicAdd: taps overlap when the
// stride is below the kernel size; the summation order is not fixed.
NL_EXTERN void col2im(const float *col, float *x, const int *table, int nImg, int Cg, int KK, int P,
                      long long xImgStride, int inSize, long long colStride, long long rowStride) {
  NL_COL_LOOP(if (o >= 0) atomicAdd(x + xi, col[ci]);)
}

// MaxPool: thread per (nc, p). idx is the flat index into x (int32 storage of int64).
NL_EXTERN void maxpool(const float *x, float *y, int *idx, const int *table, int NC, int KK, int P, int inSize) {
  long long n = (long long)NC * P;
  NL_FOR(i, n) {
    long long nc = i / P;
    int p = (int)(i % P);
    const float *xb = x + nc * inSize;
    float m = -NL_INF;
    int mi = -1;
    for (int kk = 0; kk < KK; kk++) {
      int o = table[kk * P + p];
      if (o >= 0 && (xb[o] > m || mi < 0)) { m = xb[o]; mi = o; }
    }
    y[i] = m;
    idx[i] = (int)(nc * inSize + mi);
  }
}

NL_EXTERN void maxpool_grad(const float *dy, const int *idx, float *dx, long long n) {
  NL_FOR(i, n) atomicAdd(dx + idx[i], dy[i]);
}

// AveragePool without count_include_pad: the divisor is the number of valid taps.
NL_EXTERN void avgpool(const float *x, float *y, const int *table, int NC, int KK, int P, int inSize) {
  long long n = (long long)NC * P;
  NL_FOR(i, n) {
    long long nc = i / P;
    int p = (int)(i % P), cnt = 0;
    const float *xb = x + nc * inSize;
    float s = 0.f;
    for (int kk = 0; kk < KK; kk++) { int o = table[kk * P + p]; if (o >= 0) { s += xb[o]; cnt++; } }
    y[i] = s / (float)cnt;
  }
}

NL_EXTERN void avgpool_grad(const float *dy, float *dx, const int *table, int NC, int KK, int P, int inSize) {
  long long n = (long long)NC * P;
  NL_FOR(i, n) {
    long long nc = i / P;
    int p = (int)(i % P), cnt = 0;
    for (int kk = 0; kk < KK; kk++) if (table[kk * P + p] >= 0) cnt++;
    float g = dy[i] / (float)cnt;
    for (int kk = 0; kk < KK; kk++) { int o = table[kk * P + p]; if (o >= 0) atomicAdd(dx + nc * inSize + o, g); }
  }
}
