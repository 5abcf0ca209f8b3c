/* AVX-512 micro-kernel: MR x 32 tile in 2*MR zmm accumulators, B panel loaded
 * as two vectors per k, A broadcast per row. Compiled with a target attribute,
 * never called unless the CPU reports avx512f + fma. */
#include "sgemm.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define NL_T __attribute__((target("avx512f,avx2,fma")))
#define MR 8
#define NR 32

NL_T static inline void store_row(float *c, __m512 v0, __m512 v1, float beta,
                                  __mmask16 k0, __mmask16 k1, int full) {
  if (full) {
    if (beta == 0.0f) {
      _mm512_storeu_ps(c, v0);
      _mm512_storeu_ps(c + 16, v1);
    } else if (beta == 1.0f) {
      _mm512_storeu_ps(c, _mm512_add_ps(_mm512_loadu_ps(c), v0));
      _mm512_storeu_ps(c + 16, _mm512_add_ps(_mm512_loadu_ps(c + 16), v1));
    } else {
      const __m512 b = _mm512_set1_ps(beta);
      _mm512_storeu_ps(c, _mm512_fmadd_ps(b, _mm512_loadu_ps(c), v0));
      _mm512_storeu_ps(c + 16, _mm512_fmadd_ps(b, _mm512_loadu_ps(c + 16), v1));
    }
  } else {
    if (beta == 0.0f) {
      _mm512_mask_storeu_ps(c, k0, v0);
      _mm512_mask_storeu_ps(c + 16, k1, v1);
    } else {
      const __m512 b = _mm512_set1_ps(beta);
      _mm512_mask_storeu_ps(c, k0, _mm512_fmadd_ps(b, _mm512_maskz_loadu_ps(k0, c), v0));
      _mm512_mask_storeu_ps(c + 16, k1, _mm512_fmadd_ps(b, _mm512_maskz_loadu_ps(k1, c + 16), v1));
    }
  }
}

/* The MR x 32 tile: A(i, p) at A[off_i + p * acs], off_i = i * ars (rows past mr repeat row
 * mr - 1 when `clamp`; their results are not stored). Inlined into the two kernels below with
 * their strides, so the packed one keeps constant offsets. `wide` = 0 computes only the first
 * 16 columns (nr <= 16: a narrow layer's outputs or a ragged last panel), at half the FMAs. */
NL_T static inline __attribute__((always_inline)) void kernel_tile(long kc, const float *A, long ars, long acs, int clamp, const int wide,
                                                                   const float *Bp, float *C, long ldc, float beta, int mr, int nr) {
  __m512 c0[MR], c1[MR];
  long off[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); off[i] = (clamp && i >= mr ? mr - 1 : i) * ars; }
  /* the C tile is only touched after the k loop: ask for its lines now (a cold C costs a
   * read-for-ownership per line at the stores otherwise) */
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
    if (i < mr) { __builtin_prefetch(C + i * ldc, 1, 3); if (wide) __builtin_prefetch(C + i * ldc + 31, 1, 3); }
  for (long p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(Bp);
    const __m512 b1 = wide ? _mm512_load_ps(Bp + 16) : b0;
    _mm_prefetch((const char *)(Bp + 8 * NR), _MM_HINT_T0);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      const __m512 a = _mm512_set1_ps(A[off[i]]);
      c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
      if (wide) c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
    }
    A += acs;
    Bp += NR;
  }
  const int full = nr == NR;
  const __mmask16 k0 = (__mmask16)(nr >= 16 ? 0xFFFF : (1u << nr) - 1);
  const __mmask16 k1 = (__mmask16)(nr >= 32 ? 0xFFFF : nr > 16 ? (1u << (nr - 16)) - 1 : 0);
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
    if (i < mr) store_row(C + i * ldc, c0[i], c1[i], beta, k0, k1, full);
}

/* Packed A: MR values per p, zero-padded past mr. */
NL_T static void kernel_avx512(long kc, const float *Ap, const float *Bp, float *C, long ldc,
                               float beta, int mr, int nr) {
  if (nr > 16) kernel_tile(kc, Ap, 1, MR, 0, 1, Bp, C, ldc, beta, mr, nr);
  else kernel_tile(kc, Ap, 1, MR, 0, 0, Bp, C, ldc, beta, mr, nr);
}

/* kernel_avx512 with B read in place (row p at Bs + p * ldb), masked to nr columns. */
NL_T static void kernel_avx512_strided(long kc, const float *Ap, const float *Bs, long ldb, float *C, long ldc,
                                       float beta, int mr, int nr) {
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }
  const __mmask16 k0 = (__mmask16)(nr >= 16 ? 0xFFFF : (1u << nr) - 1);
  const __mmask16 k1 = (__mmask16)(nr >= 32 ? 0xFFFF : nr > 16 ? (1u << (nr - 16)) - 1 : 0);
  for (long p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_maskz_loadu_ps(k0, Bs);
    const __m512 b1 = _mm512_maskz_loadu_ps(k1, Bs + 16);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      const __m512 a = _mm512_set1_ps(Ap[i]);
      c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
    }
    Ap += MR;
    Bs += ldb;
  }
  const int full = nr == NR;
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
    if (i < mr) store_row(C + i * ldc, c0[i], c1[i], beta, k0, k1, full);
}

/* kernel_avx512 reading A in place: A(i, p) at A[i * ars + p * acs] (rows beyond mr repeat
 * row mr - 1, whose results are not stored). With alpha = 1 nothing needs scaling, and both
 * layouts keep the 8 values of one p within a few cache lines that stay in L1 across the
 * panel, so packing A would only copy it. */
NL_T static void kernel_avx512_ua(long kc, const float *A, long ars, long acs, const float *Bp,
                                  float *C, long ldc, float beta, int mr, int nr) {
  if (nr > 16) kernel_tile(kc, A, ars, acs, 1, 1, Bp, C, ldc, beta, mr, nr);
  else kernel_tile(kc, A, ars, acs, 1, 0, Bp, C, ldc, beta, mr, nr);
}

/* dst[j * ldd + i] = src[i * lds + j] for a 16 x 16 block: unpack pairs of
 * rows, shuffle to 4 x 4 transposes inside each 128-bit lane, then move lanes. */
NL_T static inline void transpose16(const float *src, long lds, float *dst, long ldd) {
  __m512 r[16], t[16], u[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(src + i * lds);
#pragma GCC unroll 8
  for (int k = 0; k < 8; k++) {
    t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
#pragma GCC unroll 4
  for (int g = 0; g < 4; g++) {
    u[4 * g + 0] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
    u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
    u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
    u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
  }
  /* u[4g + c], lane L: column 4L + c of rows 4g..4g+3 */
#pragma GCC unroll 4
  for (int c = 0; c < 4; c++) {
    const __m512 a = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);
    const __m512 b = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
    const __m512 a2 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
    const __m512 b2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
    _mm512_storeu_ps(dst + (0 + c) * ldd, _mm512_shuffle_f32x4(a, b, 0x88));
    _mm512_storeu_ps(dst + (8 + c) * ldd, _mm512_shuffle_f32x4(a, b, 0xDD));
    _mm512_storeu_ps(dst + (4 + c) * ldd, _mm512_shuffle_f32x4(a2, b2, 0x88));
    _mm512_storeu_ps(dst + (12 + c) * ldd, _mm512_shuffle_f32x4(a2, b2, 0xDD));
  }
}

/* B^T (stored N x K, contiguous in k): whole 16-column groups go through
 * 16 x 16 register transposes; ragged edges are copied one by one. */
NL_T static void pack_b_avx512(const nl_gemm_args *g, long p0, long kc, long j0, long nc, float *dst, int nrw) {
  if (!g->transB) {
    /* rows of B are contiguous: two (masked) vector copies per p, zeros past nr */
    for (long jp = 0; jp < nc; jp += NR) {
      const int nr = (int)(nc - jp < NR ? nc - jp : NR);
      const __mmask16 k0 = (__mmask16)(nr >= 16 ? 0xFFFF : (1u << nr) - 1);
      const __mmask16 k1 = (__mmask16)(nr >= 32 ? 0xFFFF : nr > 16 ? (1u << (nr - 16)) - 1 : 0);
      const float *s = g->B + p0 * g->ldb + j0 + jp;
      float *d = dst + jp * kc;
      for (long p = 0; p < kc; p++, s += g->ldb, d += NR) {
        _mm512_store_ps(d, _mm512_maskz_loadu_ps(k0, s));
        _mm512_store_ps(d + 16, _mm512_maskz_loadu_ps(k1, s + 16));
      }
    }
    return;
  }
  const long ldb = g->ldb;
  for (long jp = 0; jp < nc; jp += NR) {
    const int nr = (int)(nc - jp < NR ? nc - jp : NR);
    float *d = dst + jp * kc;
    const float *s = g->B + (j0 + jp) * ldb + p0;
    /* Columns [0, c16) go through 16 x 16 transposes for p < p16; the rest one by one. */
    const int c16 = nr & ~15;
    const long p16 = kc & ~15L;
    for (int c = 0; c < c16; c += 16)
      for (long p = 0; p < p16; p += 16) {
        /* 128 columns ahead along the 16 rows, into L2: a weight the optimizer wrote back a step
         * ago comes from L3 (MLP forward, 784x256 weight: 958 -> 947 us for the GEMM) */
#pragma GCC unroll 16
        for (int r = 0; r < 16; r++) __builtin_prefetch(s + (c + r) * ldb + p + 128, 0, 1);
        transpose16(s + c * ldb + p, ldb, d + p * NR + c, NR);
      }
    for (int c = 0; c < nr; c++)
      for (long q = c < c16 ? p16 : 0; q < kc; q++) d[q * NR + c] = s[c * ldb + q];
    for (int c = nr; c < NR; c++)
      for (long q = 0; q < kc; q++) d[q * NR + c] = 0.0f;
  }
}

/* A packer for MR = 8: each panel row p holds alpha * A(i0 + 0..7, p). A not
 * transposed (rows contiguous in p): 8 x 8 register transposes; transposed
 * (the 8 values contiguous): one scaled vector copy per p. Ragged panels use
 * the portable packer. */
NL_T static inline void transpose8_scaled(const float *src, long lds, float *dst, __m256 alpha) {
  __m256 r0 = _mm256_loadu_ps(src + 0 * lds), r1 = _mm256_loadu_ps(src + 1 * lds);
  __m256 r2 = _mm256_loadu_ps(src + 2 * lds), r3 = _mm256_loadu_ps(src + 3 * lds);
  __m256 r4 = _mm256_loadu_ps(src + 4 * lds), r5 = _mm256_loadu_ps(src + 5 * lds);
  __m256 r6 = _mm256_loadu_ps(src + 6 * lds), r7 = _mm256_loadu_ps(src + 7 * lds);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  /* u0: col 0 (rows 0-3) | col 4; u1: col 1 | col 5; ... */
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(dst + 0 * 8, _mm256_mul_ps(alpha, _mm256_permute2f128_ps(u0, u4, 0x20)));
  _mm256_storeu_ps(dst + 1 * 8, _mm256_mul_ps(alpha, _mm256_permute2f128_ps(u1, u5, 0x20)));
  _mm256_storeu_ps(dst + 2 * 8, _mm256_mul_ps(alpha, _mm256_permute2f128_ps(u2, u6, 0x20)));
  _mm256_storeu_ps(dst + 3 * 8, _mm256_mul_ps(alpha, _mm256_permute2f128_ps(u3, u7, 0x20)));
  _mm256_storeu_ps(dst + 4 * 8, _mm256_mul_ps(alpha, _mm256_permute2f128_ps(u0, u4, 0x31)));
  _mm256_storeu_ps(dst + 5 * 8, _mm256_mul_ps(alpha, _mm256_permute2f128_ps(u1, u5, 0x31)));
  _mm256_storeu_ps(dst + 6 * 8, _mm256_mul_ps(alpha, _mm256_permute2f128_ps(u2, u6, 0x31)));
  _mm256_storeu_ps(dst + 7 * 8, _mm256_mul_ps(alpha, _mm256_permute2f128_ps(u3, u7, 0x31)));
}

NL_T static void pack_a_avx512(const nl_gemm_args *g, long i0, long mc, long p0, long kc, float *dst, int mrw) {
  const long full = mrw == MR ? mc & ~(long)(MR - 1) : 0;
  const __m256 alpha = _mm256_set1_ps(g->alpha);
  for (long ip = 0; ip < full; ip += MR) {
    float *d = dst + ip * kc;
    if (!g->transA) {
      const float *s = g->A + (i0 + ip) * g->lda + p0;
      const long lda = g->lda;
      long p = 0;
      for (; p + 8 <= kc; p += 8) transpose8_scaled(s + p, lda, d + p * MR, alpha);
      for (; p < kc; p++)
        for (int r = 0; r < MR; r++) d[p * MR + r] = g->alpha * s[r * lda + p];
    } else {
      const float *s = g->A + p0 * g->lda + i0 + ip;
      for (long p = 0; p < kc; p++) _mm256_storeu_ps(d + p * MR, _mm256_mul_ps(alpha, _mm256_loadu_ps(s + p * g->lda)));
    }
  }
  if (full < mc) nl_pack_a(g, i0 + full, mc - full, p0, kc, dst + full * kc, mrw);
}

/* KC = 800: with the A micro-panel held in L1 across the B panels (sgemm.c), a deep block costs
 * nothing in L1 and halves the passes over C: K = 784 in one block instead of 4 x 196 (MLP
 * forward 256 x 256 x 784 110 -> 112 GFLOP/s, 2048^3 104 -> 107; LeNet training +9 %, MLP +1 %
 * in alternating A/B rounds). */
const nl_isa nl_isa_avx512 = { "avx512", MR, NR, 800, 128, 1024, kernel_avx512, pack_b_avx512, pack_a_avx512, kernel_avx512_strided, kernel_avx512_ua, 1 };

/* C = alpha * A * B^T + beta * C with A (M x K) and B (N x K) both contiguous
 * in k, for small M x N and long K (convolution weight gradients, narrow
 * layers): 4 x 4 dot products at a time, vectorised along k, no packing.
 * K is cut into L2-sized chunks whose partial sums go to a float64 buffer. */
#define DOT_KC 2048L
NL_T void nl_gemm_nt_dot_avx512(const nl_gemm_args *g, long m0, long m1, long n0, long n1) {
  const long K = g->K, mt = m1 - m0, nt = n1 - n0;
  double stack_sums[1024];
  double *sums = mt * nt <= 1024 ? stack_sums : (double *)calloc((size_t)(mt * nt), sizeof(double));
  if (!sums) { /* no memory: do it in pieces that fit the stack buffer */
    for (long i = m0; i < m1; i += 16)
      for (long j = n0; j < n1; j += 64)
        nl_gemm_nt_dot_avx512(g, i, i + 16 < m1 ? i + 16 : m1, j, j + 64 < n1 ? j + 64 : n1);
    return;
  }
  for (long k = 0; k < mt * nt; k++) sums[k] = 0;
  for (long p0 = 0; p0 < K; p0 += DOT_KC) {
    const long kc = K - p0 < DOT_KC ? K - p0 : DOT_KC;
    const long kv = kc & ~15L;
    const __mmask16 tail = (__mmask16)((1u << (kc - kv)) - 1);
    for (long i = m0; i < m1; i += 4) {
      const int mr = (int)(m1 - i < 4 ? m1 - i : 4);
      const float *a[4];
      for (int r = 0; r < 4; r++) a[r] = g->A + (i + (r < mr ? r : mr - 1)) * g->lda + p0;
      for (long j = n0; j < n1; j += 4) {
        const int nr = (int)(n1 - j < 4 ? n1 - j : 4);
        const float *b[4];
        for (int c = 0; c < 4; c++) b[c] = g->B + (j + (c < nr ? c : nr - 1)) * g->ldb + p0;
        __m512 acc[4][4];
#pragma GCC unroll 4
        for (int r = 0; r < 4; r++)
#pragma GCC unroll 4
          for (int c = 0; c < 4; c++) acc[r][c] = _mm512_setzero_ps();
        for (long p = 0; p < kv; p += 16) {
          __m512 av[4], bv[4];
#pragma GCC unroll 4
          for (int r = 0; r < 4; r++) av[r] = _mm512_loadu_ps(a[r] + p);
#pragma GCC unroll 4
          for (int c = 0; c < 4; c++) bv[c] = _mm512_loadu_ps(b[c] + p);
#pragma GCC unroll 4
          for (int r = 0; r < 4; r++)
#pragma GCC unroll 4
            for (int c = 0; c < 4; c++) acc[r][c] = _mm512_fmadd_ps(av[r], bv[c], acc[r][c]);
        }
        if (kv < kc) {
          __m512 av[4], bv[4];
#pragma GCC unroll 4
          for (int r = 0; r < 4; r++) av[r] = _mm512_maskz_loadu_ps(tail, a[r] + kv);
#pragma GCC unroll 4
          for (int c = 0; c < 4; c++) bv[c] = _mm512_maskz_loadu_ps(tail, b[c] + kv);
#pragma GCC unroll 4
          for (int r = 0; r < 4; r++)
#pragma GCC unroll 4
            for (int c = 0; c < 4; c++) acc[r][c] = _mm512_fmadd_ps(av[r], bv[c], acc[r][c]);
        }
        for (int r = 0; r < mr; r++)
          for (int c = 0; c < nr; c++) sums[(i - m0 + r) * nt + (j - n0 + c)] += _mm512_reduce_add_ps(acc[r][c]);
      }
    }
  }
  for (long i = 0; i < mt; i++) {
    float *crow = g->C + (m0 + i) * g->ldc + n0;
    for (long j = 0; j < nt; j++) {
      const float v = (float)((double)g->alpha * sums[i * nt + j]);
      crow[j] = g->beta == 0.0f ? v : g->beta * crow[j] + v;
    }
  }
  if (sums != stack_sums) free(sums);
}

/* Register-only FMA loop (16 independent chains) to measure the core's fp32
 * peak: 32 FLOP per FMA instruction. Returns FLOPs done. */
NL_T double nl_fma_peak_avx512(long iters) {
  __m512 acc[16];
  const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
#pragma GCC unroll 16
  for (int i = 0; i < 16; i++) acc[i] = _mm512_set1_ps((float)i);
  for (long n = 0; n < iters; n++) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++) acc[i] = _mm512_fmadd_ps(acc[i], m, a);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 16; i++) s = _mm512_add_ps(s, acc[i]);
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return (double)iters * 16 * 32;
}

#else
const nl_isa nl_isa_avx512 = { "avx512", 8, 32, 800, 128, 1024, NULL, NULL, NULL, NULL, NULL, 1 };
double nl_fma_peak_avx512(long iters) { (void)iters; return 0; }
void nl_gemm_nt_dot_avx512(const nl_gemm_args *g, long m0, long m1, long n0, long n1) { (void)g; (void)m0; (void)m1; (void)n0; (void)n1; }
#endif
