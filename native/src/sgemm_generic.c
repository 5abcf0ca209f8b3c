/* Portable micro-kernel (any CPU; SSE2 on x86-64, NEON on arm64 through
 * auto-vectorisation): 4 x 16 tile of float accumulators. */
#include "sgemm.h"

#define MR 4
#define NR 16

static void kernel_generic(long kc, const float *Ap, const float *Bp, float *C, long ldc,
                           float beta, int mr, int nr) {
  float acc[MR][NR] = {{0}};
  for (long p = 0; p < kc; p++) {
    for (int i = 0; i < MR; i++) {
      const float a = Ap[i];
      for (int j = 0; j < NR; j++) acc[i][j] += a * Bp[j];
    }
    Ap += MR;
    Bp += NR;
  }
  for (int i = 0; i < mr; i++) {
    float *c = C + i * ldc;
    if (beta == 0.0f) for (int j = 0; j < nr; j++) c[j] = acc[i][j];
    else for (int j = 0; j < nr; j++) c[j] = beta * c[j] + acc[i][j];
  }
}

const nl_isa nl_isa_generic = { "generic", MR, NR, 256, 128, 1024, kernel_generic, NULL, NULL, NULL, NULL };
