// Tiled SGEMM: C = alpha·op(A)·op(B) + beta·C, row-major, batched over blockIdx.z with
// element strides, and optionally summing `nsum` consecutive batches into one C (split-K
// over images for a convolution's filter gradient). Epilogue: bias per row (biasMode 1, a
// conv's channel) or per column (2, a linear layer's output) and ReLU.
// 64×64 tile per block of 256 threads, 4×4 outputs per thread, K in steps of 16.

#define GBM 64
#define GBN 64
#define GBK 16

NL_EXTERN void __launch_bounds__(256) sgemm(
    int transA, int transB, int M, int N, int K, float alpha,
    const float *A, int lda, long long strideA,
    const float *B, int ldb, long long strideB,
    float beta, float *C, int ldc, long long strideC,
    int nsum, const float *bias, int biasMode, int relu) {
  __shared__ float As[GBK][GBM + 4];
  __shared__ float Bs[GBK][GBN + 4];
  int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
  int m0 = blockIdx.y * GBM, n0 = blockIdx.x * GBN;
  long long zb = (long long)blockIdx.z * nsum;
  float acc[4][4];
  for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) acc[i][j] = 0.f;
  for (int s = 0; s < nsum; s++) {
    const float *Ab = A + (zb + s) * strideA, *Bb = B + (zb + s) * strideB;
    for (int k0 = 0; k0 < K; k0 += GBK) {
      for (int l = 0; l < 4; l++) {
        int e = tid + l * 256, m, k, n;
        if (transA) { k = e / GBM; m = e % GBM; } else { m = e / GBK; k = e % GBK; }
        int gm = m0 + m, gk = k0 + k;
        As[k][m] = (gm < M && gk < K) ? (transA ? Ab[(long long)gk * lda + gm] : Ab[(long long)gm * lda + gk]) : 0.f;
        if (transB) { n = e / GBK; k = e % GBK; } else { k = e / GBN; n = e % GBN; }
        int gn = n0 + n;
        gk = k0 + k;
        Bs[k][n] = (gn < N && gk < K) ? (transB ? Bb[(long long)gn * ldb + gk] : Bb[(long long)gk * ldb + gn]) : 0.f;
      }
      __syncthreads();
#pragma unroll
      for (int k = 0; k < GBK; k++) {
        float a[4], b[4];
        for (int i = 0; i < 4; i++) a[i] = As[k][ty + 16 * i];
        for (int j = 0; j < 4; j++) b[j] = Bs[k][tx + 16 * j];
        for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
      }
      __syncthreads();
    }
  }
  float *Cb = C + (long long)blockIdx.z * strideC;
  for (int i = 0; i < 4; i++) {
    int gm = m0 + ty + 16 * i;
    if (gm >= M) continue;
    for (int j = 0; j < 4; j++) {
      int gn = n0 + tx + 16 * j;
      if (gn >= N) continue;
      float *c = Cb + (long long)gm * ldc + gn;
      float v = alpha * acc[i][j];
      if (beta != 0.f) v += beta * *c;
      if (biasMode == 1) v += bias[gm];
      else if (biasMode == 2) v += bias[gn];
      if (relu) v = v > 0.f ? v : 0.f;
      *c = v;
    }
  }
}
