/* AVX-512 micro-kernel: MR x 32 tile in 2*MR zmm accumulators, B panel loaded
 * as two vectors per k, A broadcast per row. Compiled with a target attribute,
 * never called unless the CPU reports avx512f + fma. */
#include "sgemm.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
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

NL_T static void kernel_avx512(long kc, const float *Ap, const float *Bp, float *C, long ldc,
                               float beta, int mr, int nr) {
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }

  for (long p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(Bp);
    const __m512 b1 = _mm512_load_ps(Bp + 16);
    _mm_prefetch((const char *)(Bp + 8 * NR), _MM_HINT_T0);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      const __m512 a = _mm512_set1_ps(Ap[i]);
      c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
    }
    Ap += MR;
    Bp += NR;
  }

  const int full = nr == NR;
  const __mmask16 k0 = (__mmask16)(nr >= 16 ? 0xFFFF : (1u << nr) - 1);
  const __mmask16 k1 = (__mmask16)(nr >= 32 ? 0xFFFF : nr > 16 ? (1u << (nr - 16)) - 1 : 0);
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
    if (i < mr) store_row(C + i * ldc, c0[i], c1[i], beta, k0, k1, full);
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

/* B^T (stored N x K, contiguous in k): full 32-column panels go through
 * 16 x 16 register transposes; ragged edges are copied one by one. */
NL_T static void pack_b_avx512(const nl_gemm_args *g, long p0, long kc, long j0, long nc, float *dst, int nrw) {
  if (!g->transB) { nl_pack_b_generic(g, p0, kc, j0, nc, dst, nrw); return; }
  const long ldb = g->ldb;
  for (long jp = 0; jp < nc; jp += NR) {
    const int nr = (int)(nc - jp < NR ? nc - jp : NR);
    float *d = dst + jp * kc;
    const float *s = g->B + (j0 + jp) * ldb + p0;
    long p = 0;
    if (nr == NR)
      for (; p + 16 <= kc; p += 16) {
        transpose16(s + p, ldb, d + p * NR, NR);
        transpose16(s + 16 * ldb + p, ldb, d + p * NR + 16, NR);
      }
    for (int c = 0; c < nr; c++)
      for (long q = p; q < kc; q++) d[q * NR + c] = s[c * ldb + q];
    for (int c = nr; c < NR; c++)
      for (long q = 0; q < kc; q++) d[q * NR + c] = 0.0f;
  }
}

const nl_isa nl_isa_avx512 = { "avx512", MR, NR, 256, 128, 1024, kernel_avx512, pack_b_avx512 };

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
const nl_isa nl_isa_avx512 = { "avx512", 8, 32, 256, 128, 1024, NULL, NULL };
double nl_fma_peak_avx512(long iters) { (void)iters; return 0; }
#endif
