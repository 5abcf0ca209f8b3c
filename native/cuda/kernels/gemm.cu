// Tiled SGEMM: C = alpha·op(A)·op(B) + beta·C, row-major, batched over blockIdx.z with
// element strides, and optionally summing `nsum` consecutive batches into one C (split-K
// over images for a convolution's filter gradient). Epilogue: bias per row (biasMode 1, a
// conv's channel) or per column (2, a linear layer's output) and ReLU.
// 64×64 tile per block of 256 threads, 4×4 outputs per thread, K in steps of 16.

#define GBM 64
#define GBN 64
#define GBK 16

// Both kernels' step: the 256 threads copy the GBK-deep slices of op(A) (GBM rows) and op(B)
// (GBN columns) starting at k0 into shared memory, four elements each, zeros past the edges.
__device__ __forceinline__ void nl_gemm_load_tiles(float (*As)[GBM + 4], float (*Bs)[GBN + 4], const float *Ab, const float *Bb,
                                                   int transA, int transB, int M, int N, int K, int lda, int ldb,
                                                   int m0, int n0, int k0, int tid) {
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
}

// The epilogue for one output of every GEMM kernel: C = alpha·acc (+ beta·C) (+ bias[row] or
// bias[column]) (then ReLU).
__device__ __forceinline__ void nl_gemm_out(float *Cb, int ldc, int gm, int gn, float acc, float alpha, float beta,
                                            const float *bias, int biasMode, int relu) {
  float *c = Cb + (long long)gm * ldc + gn;
  float v = alpha * acc;
  if (beta != 0.f) v += beta * *c;
  if (biasMode == 1) v += bias[gm];
  else if (biasMode == 2) v += bias[gn];
  if (relu) v = v > 0.f ? v : 0.f;
  *c = v;
}

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
      nl_gemm_load_tiles(As, Bs, Ab, Bb, transA, transB, M, N, K, lda, ldb, m0, n0, k0, tid);
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
  // Unrolled so that acc is indexed by constants: NVVM otherwise leaves it in local memory
  // in the PTX (ld.local) and relies on ptxas, the driver's JIT included, to promote it.
#pragma unroll
  for (int i = 0; i < 4; i++) {
    int gm = m0 + ty + 16 * i;
    if (gm >= M) continue;
#pragma unroll
    for (int j = 0; j < 4; j++) {
      int gn = n0 + tx + 16 * j;
      if (gn >= N) continue;
      nl_gemm_out(Cb, ldc, gm, gn, acc[i][j], alpha, beta, bias, biasMode, relu);
    }
  }
}

// The same GEMM for large outputs (M and N ≥ 128): 128×128 tiles, 8×8 outputs per thread,
// K in steps of 8, two shared-memory buffers fed through registers (the next k-tile's global
// loads are in flight while this one is multiplied) and float4 shared-memory reads — 4 loads
// per 64 FMAs, where the 64×64 kernel above issues 8 per 16 and is bound by shared memory.
// The 64×64 kernel keeps small shapes, where a 128-wide tile would mostly compute padding.
#define BBM 128
#define BBN 128
#define BBK 8
// float4 by hand (no CUDA headers under NVRTC): 16-byte loads and stores of shared memory
struct alignas(16) nl_f4 { float x, y, z, w; };
struct alignas(16) nl_big_smem { float a[2][BBK][BBM + 4]; float b[2][BBK][BBN + 4]; };

// One k-tile of an operand seen as rows × K (op(A): rows = M; op(B)ᵀ: rows = N), 4 values
// per thread, zeros past the edges. contig: element (r, k) at X[k·ld + r] (r is the
// contiguous index: A transposed, B not), else at X[r·ld + k].
__device__ __forceinline__ void nl_big_fetch(float v[4], const float *X, int contig, int rows, int K, int ld, int r0, int k0, int tid) {
  if (contig) {
    int k = k0 + (tid >> 5), r = r0 + (tid & 31) * 4;
    const float *p = X + (long long)k * ld + r;
#pragma unroll
    for (int j = 0; j < 4; j++) v[j] = (k < K && r + j < rows) ? p[j] : 0.f;
  } else {
    int r = r0 + (tid >> 1), k = k0 + (tid & 1) * 4;
    const float *p = X + (long long)r * ld + k;
#pragma unroll
    for (int j = 0; j < 4; j++) v[j] = (r < rows && k + j < K) ? p[j] : 0.f;
  }
}

// ... and into shared memory as S[k][r] (rows padded by 4: the transposing stores of the
// non-contiguous case land in different banks, and rows stay 16-byte aligned for float4).
__device__ __forceinline__ void nl_big_store(float (*S)[BBM + 4], const float v[4], int contig, int tid) {
  if (contig) {
    int k = tid >> 5, r = (tid & 31) * 4;
    nl_f4 q = { v[0], v[1], v[2], v[3] };
    *(nl_f4 *)&S[k][r] = q;
  } else {
    int r = tid >> 1, k = (tid & 1) * 4;
#pragma unroll
    for (int j = 0; j < 4; j++) S[k + j][r] = v[j];
  }
}

NL_EXTERN void __launch_bounds__(256) sgemm_big(
    int transA, int transB, int M, int N, int K, float alpha,
    const float *A, int lda, long long strideA,
    const float *B, int ldb, long long strideB,
    float beta, float *C, int ldc, long long strideC,
    int nsum, const float *bias, int biasMode, int relu) {
  __shared__ nl_big_smem sm;
  float (*As)[BBK][BBM + 4] = sm.a, (*Bs)[BBK][BBN + 4] = sm.b;
  int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
  int m0 = blockIdx.y * BBM, n0 = blockIdx.x * BBN;
  long long zb = (long long)blockIdx.z * nsum;
  float acc[8][8];
#pragma unroll
  for (int i = 0; i < 8; i++)
#pragma unroll
    for (int j = 0; j < 8; j++) acc[i][j] = 0.f;
  int nk = (K + BBK - 1) / BBK;
  float va[4], vb[4];
  for (int s = 0; s < nsum; s++) {
    const float *Ab = A + (zb + s) * strideA, *Bb = B + (zb + s) * strideB;
    nl_big_fetch(va, Ab, transA, M, K, lda, m0, 0, tid);
    nl_big_fetch(vb, Bb, !transB, N, K, ldb, n0, 0, tid);
    nl_big_store(As[0], va, transA, tid);
    nl_big_store(Bs[0], vb, !transB, tid);
    __syncthreads();
    for (int t = 0; t < nk; t++) {
      int cur = t & 1;
      if (t + 1 < nk) {
        nl_big_fetch(va, Ab, transA, M, K, lda, m0, (t + 1) * BBK, tid);
        nl_big_fetch(vb, Bb, !transB, N, K, ldb, n0, (t + 1) * BBK, tid);
      }
#pragma unroll
      for (int k = 0; k < BBK; k++) {
        nl_f4 a0 = *(const nl_f4 *)&As[cur][k][ty * 4], a1 = *(const nl_f4 *)&As[cur][k][64 + ty * 4];
        nl_f4 b0 = *(const nl_f4 *)&Bs[cur][k][tx * 4], b1 = *(const nl_f4 *)&Bs[cur][k][64 + tx * 4];
        float a[8] = { a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w };
        float b[8] = { b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w };
#pragma unroll
        for (int i = 0; i < 8; i++)
#pragma unroll
          for (int j = 0; j < 8; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
      }
      if (t + 1 < nk) {
        nl_big_store(As[cur ^ 1], va, transA, tid);
        nl_big_store(Bs[cur ^ 1], vb, !transB, tid);
      }
      __syncthreads();
    }
  }
  float *Cb = C + (long long)blockIdx.z * strideC;
#pragma unroll
  for (int i = 0; i < 8; i++) {
    int gm = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
    if (gm >= M) continue;
#pragma unroll
    for (int j = 0; j < 8; j++) {
      int gn = n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4);
      if (gn >= N) continue;
      nl_gemm_out(Cb, ldc, gm, gn, acc[i][j], alpha, beta, bias, biasMode, relu);
    }
  }
}

// The same GEMM on tensor cores with TF32 inputs (sm_80+; fp32 accumulate): opt-in
// (setCudaTf32 / NEURAL_LENS_CUDA_TF32=1), as TF32 rounds inputs to a 10-bit mantissa.
// Same tiles and shared-memory staging; 8 warps as 2 (m) × 4 (n), each warp 32×16 as
// 2×2 mma.m16n8k8 tiles. Fragment layouts per the PTX ISA (g = lane/4, t = lane%4):
// A a0 (g, t) a1 (g+8, t) a2 (g, t+4) a3 (g+8, t+4); B b0 (k t, n g) b1 (k t+4, n g);
// C c0 (g, 2t) c1 (g, 2t+1) c2 (g+8, 2t) c3 (g+8, 2t+1).
__device__ __forceinline__ unsigned nl_tf32(float x) {
  unsigned r;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
  return r;
}

NL_EXTERN void __launch_bounds__(256) sgemm_tf32(
    int transA, int transB, int M, int N, int K, float alpha,
    const float *A, int lda, long long strideA,
    const float *B, int ldb, long long strideB,
    float beta, float *C, int ldc, long long strideC,
    int nsum, const float *bias, int biasMode, int relu) {
#if __CUDA_ARCH__ >= 800
  __shared__ float As[GBK][GBM + 4];
  __shared__ float Bs[GBK][GBN + 4];
  int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, g = lane >> 2, t = lane & 3;
  int wm = (warp >> 2) * 32, wn = (warp & 3) * 16;
  int m0 = blockIdx.y * GBM, n0 = blockIdx.x * GBN;
  long long zb = (long long)blockIdx.z * nsum;
  // acc must stay in registers: every loop indexing it is unrolled (ptxas -warn-lmem-usage
  // flagged a 64-byte stack frame when the mma loop was not).
  float acc[2][2][4];
  for (int i = 0; i < 2; i++) for (int j = 0; j < 2; j++) for (int r = 0; r < 4; r++) acc[i][j][r] = 0.f;
  for (int s = 0; s < nsum; s++) {
    const float *Ab = A + (zb + s) * strideA, *Bb = B + (zb + s) * strideB;
    for (int k0 = 0; k0 < K; k0 += GBK) {
      nl_gemm_load_tiles(As, Bs, Ab, Bb, transA, transB, M, N, K, lda, ldb, m0, n0, k0, tid);
      __syncthreads();
#pragma unroll
      for (int kk = 0; kk < GBK; kk += 8) {
        unsigned a[2][4], b[2][2];
#pragma unroll
        for (int i = 0; i < 2; i++) {
          int rm = wm + i * 16;
          a[i][0] = nl_tf32(As[kk + t][rm + g]);
          a[i][1] = nl_tf32(As[kk + t][rm + g + 8]);
          a[i][2] = nl_tf32(As[kk + t + 4][rm + g]);
          a[i][3] = nl_tf32(As[kk + t + 4][rm + g + 8]);
        }
#pragma unroll
        for (int j = 0; j < 2; j++) {
          int cn = wn + j * 8;
          b[j][0] = nl_tf32(Bs[kk + t][cn + g]);
          b[j][1] = nl_tf32(Bs[kk + t + 4][cn + g]);
        }
#pragma unroll
        for (int i = 0; i < 2; i++) {
#pragma unroll
          for (int j = 0; j < 2; j++) {
            float *c = acc[i][j];
            asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                         : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                         : "r"(a[i][0]), "r"(a[i][1]), "r"(a[i][2]), "r"(a[i][3]), "r"(b[j][0]), "r"(b[j][1]));
          }
        }
      }
      __syncthreads();
    }
  }
  float *Cb = C + (long long)blockIdx.z * strideC;
#pragma unroll
  for (int i = 0; i < 2; i++)
#pragma unroll
  for (int j = 0; j < 2; j++)
#pragma unroll
  for (int r = 0; r < 4; r++) {
    int gm = m0 + wm + i * 16 + g + 8 * (r >> 1), gn = n0 + wn + j * 8 + 2 * t + (r & 1);
    if (gm >= M || gn >= N) continue;
    nl_gemm_out(Cb, ldc, gm, gn, acc[i][j][r], alpha, beta, bias, biasMode, relu);
  }
#endif
}
