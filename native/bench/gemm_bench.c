/* Standalone harness for tuning the kernels without Node:
 *   cc -O3 -pthread -Isrc bench/gemm_bench.c src/sgemm*.c src/pool.c -o /tmp/gemm_bench
 *   /tmp/gemm_bench [isa] [threads]
 * Times with the thread CPU clock (1 thread) so that a busy shared machine
 * disturbs the numbers less; best of many runs. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sgemm.h"

static double now(int cpu) {
  struct timespec ts;
  clock_gettime(cpu ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double bench(int tA, int tB, long M, long N, long K, int cpu) {
  float *A = aligned_alloc(64, ((M * K * 4 + 63) / 64) * 64);
  float *B = aligned_alloc(64, ((K * N * 4 + 63) / 64) * 64);
  float *C = aligned_alloc(64, ((M * N * 4 + 63) / 64) * 64);
  for (long i = 0; i < M * K; i++) A[i] = (float)((i * 7919) % 1000) / 1000 - 0.5f;
  for (long i = 0; i < K * N; i++) B[i] = (float)((i * 104729) % 1000) / 1000 - 0.5f;
  nl_gemm_args g = { tA, tB, M, N, K, 1.0f, 0.0f, A, tA ? M : K, B, tB ? K : N, C, N };
  double flops = 2.0 * M * N * K;
  long reps = (long)(2e7 / flops) + 1;
  double best = 1e9;
  double tend = now(0) + 0.4;
  nl_sgemm(&g);
  while (now(0) < tend) {
    double t = now(cpu);
    for (long r = 0; r < reps; r++) nl_sgemm(&g);
    double dt = (now(cpu) - t) / reps;
    if (dt < best) best = dt;
  }
  free(A); free(B); free(C);
  return flops / best / 1e9;
}

int main(int argc, char **argv) {
  if (argc > 1) nl_isa_select(argv[1]);
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  nl_pool_set_threads(threads);
  int cpu = threads == 1;
  static const long sq[] = { 256, 512, 1024 };
  for (int i = 0; i < 3; i++) printf("%-26s %6.1f\n", "square", bench(0, 0, sq[i], sq[i], sq[i], cpu)), printf("  n=%ld\n", sq[i]);
  const long batches[] = { 64, 256 };
  const long dims[] = { 784, 256, 128, 10 };
  double tot_t[2] = { 0, 0 };
  for (int b = 0; b < 2; b++) {
    long B = batches[b];
    for (int l = 0; l < 3; l++) {
      long in = dims[l], out = dims[l + 1];
      struct { const char *n; int ta, tb; long M, N, K; } s[3] = {
        { "fwd", 0, 1, B, out, in }, { "dW", 1, 0, out, in, B }, { "dX", 0, 0, B, in, out } };
      for (int k = 0; k < (l ? 3 : 2); k++) {
        double gf = bench(s[k].ta, s[k].tb, s[k].M, s[k].N, s[k].K, cpu);
        tot_t[b] += 2.0 * s[k].M * s[k].N * s[k].K / (gf * 1e9);
        printf("b%-3ld %-3s L%d %4ldx%4ldx%4ld  %6.1f\n", B, s[k].n, l + 1, s[k].M, s[k].N, s[k].K, gf);
      }
    }
    printf("b%ld: all GEMMs of one step %.1f us -> %.0f samples/s GEMM-only bound\n", B, tot_t[b] * 1e6, B / tot_t[b]);
  }
  /* LeNet-5 at batch 64 with the batch unfolded into one im2col matrix. */
  struct { const char *n; int ta, tb; long M, N, K; } le[] = {
    { "conv1 fwd", 0, 0, 6, 64 * 576, 25 }, { "conv1 dW", 0, 1, 6, 25, 64 * 576 },
    { "conv2 fwd", 0, 0, 16, 64 * 64, 150 }, { "conv2 dW", 0, 1, 16, 150, 64 * 64 },
    { "conv2 dcol", 1, 0, 150, 64 * 64, 16 },
  };
  for (int i = 0; i < 5; i++)
    printf("lenet %-10s %5ldx%5ldx%5ld  %6.1f\n", le[i].n, le[i].M, le[i].N, le[i].K,
           bench(le[i].ta, le[i].tb, le[i].M, le[i].N, le[i].K, cpu));
  return 0;
}
