/* AVX2 + FMA micro-kernel: 6 x 16 tile in 12 ymm accumulators (the classic
 * Haswell shape: 12 accumulators + 2 B vectors + 1 broadcast = 15 of 16 regs). */
#include "sgemm.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define NL_T __attribute__((target("avx2,fma")))
#define MR 6
#define NR 16

NL_T static void kernel_avx2(long kc, const float *Ap, const float *Bp, float *C, long ldc,
                             float beta, int mr, int nr) {
  __m256 c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) { c0[i] = _mm256_setzero_ps(); c1[i] = _mm256_setzero_ps(); }

  for (long p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_load_ps(Bp);
    const __m256 b1 = _mm256_load_ps(Bp + 8);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      const __m256 a = _mm256_broadcast_ss(Ap + i);
      c0[i] = _mm256_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps(a, b1, c1[i]);
    }
    Ap += MR;
    Bp += NR;
  }

  if (nr == NR) {
    const __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      if (i >= mr) break;
      float *c = C + i * ldc;
      if (beta == 0.0f) {
        _mm256_storeu_ps(c, c0[i]);
        _mm256_storeu_ps(c + 8, c1[i]);
      } else {
        _mm256_storeu_ps(c, _mm256_fmadd_ps(vb, _mm256_loadu_ps(c), c0[i]));
        _mm256_storeu_ps(c + 8, _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 8), c1[i]));
      }
    }
  } else {
    float tmp[MR][NR] __attribute__((aligned(32)));
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) { _mm256_store_ps(tmp[i], c0[i]); _mm256_store_ps(tmp[i] + 8, c1[i]); }
    for (int i = 0; i < mr; i++) {
      float *c = C + i * ldc;
      if (beta == 0.0f) for (int j = 0; j < nr; j++) c[j] = tmp[i][j];
      else for (int j = 0; j < nr; j++) c[j] = beta * c[j] + tmp[i][j];
    }
  }
}

const nl_isa nl_isa_avx2 = { "avx2", MR, NR, 256, 120, 1024, kernel_avx2, NULL, NULL, NULL, NULL };

/* See nl_fma_peak_avx512: 12 chains of 8-wide FMAs, 16 FLOP each. */
NL_T double nl_fma_peak_avx2(long iters) {
  __m256 acc[12];
  const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
#pragma GCC unroll 12
  for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps((float)i);
  for (long n = 0; n < iters; n++) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], m, a);
  }
  __m256 s = acc[0];
  for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  volatile float sink = out[0];
  (void)sink;
  return (double)iters * 12 * 16;
}

#else
const nl_isa nl_isa_avx2 = { "avx2", 6, 16, 256, 120, 1024, NULL, NULL, NULL, NULL, NULL };
double nl_fma_peak_avx2(long iters) { (void)iters; return 0; }
#endif
