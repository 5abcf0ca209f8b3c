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

/* B^T packing (B stored N x K): 16 x 16 in-register transposes would be
 * faster; a scalar gather is adequate while the kernel dominates. */
const nl_isa nl_isa_avx512 = { "avx512", MR, NR, 256, 128, 1024, kernel_avx512, NULL };

#else
const nl_isa nl_isa_avx512 = { "avx512", 8, 32, 256, 128, 1024, NULL, NULL };
#endif
