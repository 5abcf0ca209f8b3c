/* Fused element-wise helpers for the training loop: optimizer updates,
 * squared norms, dense/conv epilogues, ReLU backward, bias gradients, the
 * NCHW block transpose and 2-D max pooling. Memory-bound loops: in JS they
 * cost as much as the MLP's GEMMs; here the compiler vectorises them (AVX2
 * copies picked at run time) and large ones are split over the GEMM's pool.
 *
 * Arithmetic follows PyTorch's single-tensor optimizers in float32, in the
 * same order as the JS fallbacks in extension/engine/cpu/gemm.ts; built with
 * -ffp-contract=off so no multiply-add is fused behind our back. */
#include "sgemm.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>

/* Splits [0, n) over the pool's threads in chunks of at least `grain` items
 * (elementwise work: each item's result is independent of the split, so every
 * thread count gives bit-identical results). Small ranges run inline. */
typedef void (*nl_range_fn)(void *ctx, long i0, long i1);
typedef struct { nl_range_fn fn; void *ctx; long n, per; } range_job;

static void range_chunk(void *ctx, int k) {
  const range_job *j = (const range_job *)ctx;
  const long i0 = (long)k * j->per, i1 = i0 + j->per < j->n ? i0 + j->per : j->n;
  if (i0 < i1) j->fn(j->ctx, i0, i1);
}

static void parallel_for(long n, long grain, nl_range_fn fn, void *ctx) {
  const int threads = nl_pool_threads();
  if (threads <= 1 || n < 2 * grain) { fn(ctx, 0, n); return; }
  long chunks = n / grain;
  if (chunks > 4L * threads) chunks = 4L * threads;
  range_job j = { fn, ctx, n, (n + chunks - 1) / chunks };
  j.per = (j.per + 15) & ~15L; /* whole vectors per chunk */
  nl_pool_run(range_chunk, &j, (int)((n + j.per - 1) / j.per), threads);
}

#define NL_GRAIN 32768L

/* Each loop body below is written once (NL_BODY, always inlined) and compiled
 * twice: for the baseline ISA and for AVX2, picked at run time. The AVX2 copy
 * only widens the vectors (8 lanes instead of 4); with -ffp-contract=off no
 * multiply-add is fused, so both copies give bit-identical results. Branches on
 * the hyper-parameters are hoisted out of the loops so they vectorise. */
#define NL_BODY static inline __attribute__((always_inline))

NL_BODY void sgd_body(float *restrict p, const float *restrict g, float *restrict buf, long n, float lr,
                      float momentum, float dampening, float wd, int nesterov, int first) {
  if (momentum == 0.0f) {
    if (wd == 0.0f) for (long i = 0; i < n; i++) p[i] = p[i] - lr * g[i];
    else for (long i = 0; i < n; i++) { float d = g[i] + wd * p[i]; p[i] = p[i] - lr * d; }
    return;
  }
  const float keep = 1.0f - dampening;
#define SGD_LOOP(D, B)                                            \
  for (long i = 0; i < n; i++) {                                  \
    const float d = (D);                                          \
    const float b = (B);                                          \
    buf[i] = b;                                                   \
    p[i] = p[i] - lr * (nesterov ? d + momentum * b : b);         \
  }
  if (wd == 0.0f) {
    if (first) SGD_LOOP(g[i], d)
    else SGD_LOOP(g[i], momentum * buf[i] + keep * d)
  } else {
    if (first) SGD_LOOP(g[i] + wd * p[i], d)
    else SGD_LOOP(g[i] + wd * p[i], momentum * buf[i] + keep * d)
  }
#undef SGD_LOOP
}

NL_BODY void adam_body(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
                       float lr, float beta1, float beta2, float eps, float wd, int decoupled, double step) {
  const double bc1 = 1.0 - pow(beta1, step), bc2 = 1.0 - pow(beta2, step);
  const float step_size = (float)(lr / bc1), bc2_sqrt = (float)sqrt(bc2);
  const float one_b1 = 1.0f - beta1, one_b2 = 1.0f - beta2, decay = 1.0f - lr * wd;
#define ADAM_LOOP(PI, GI)                                         \
  for (long i = 0; i < n; i++) {                                  \
    const float pi = (PI);                                        \
    const float gi = (GI);                                        \
    const float mi = m[i] + (gi - m[i]) * one_b1;                 \
    const float vi = v[i] * beta2 + one_b2 * gi * gi;             \
    m[i] = mi;                                                    \
    v[i] = vi;                                                    \
    const float denom = sqrtf(vi) / bc2_sqrt + eps;               \
    p[i] = pi - step_size * (mi / denom);                         \
  }
  if (decoupled) ADAM_LOOP(p[i] * decay, g[i])
  else if (wd != 0.0f) ADAM_LOOP(p[i], g[i] + wd * p[i])
  else ADAM_LOOP(p[i], g[i])
#undef ADAM_LOOP
}

NL_BODY void bias_act_body(float *C, long M, long N, long ldc, const float *bias, int relu) {
  for (long i = 0; i < M; i++) {
    float *restrict c = C + i * ldc;
    if (bias && relu) for (long j = 0; j < N; j++) { const float v = c[j] + bias[j]; c[j] = v > 0.0f ? v : 0.0f; }
    else if (bias) for (long j = 0; j < N; j++) c[j] += bias[j];
    else if (relu) for (long j = 0; j < N; j++) c[j] = c[j] > 0.0f ? c[j] : 0.0f;
  }
}

NL_BODY void relu_grad_body(const float *dy, const float *y, float *dx, long n) {
  for (long i = 0; i < n; i++) {
    const float d = dy[i]; /* loaded unconditionally so the loop vectorises (a blend, no branch) */
    dx[i] = y[i] > 0.0f ? d : 0.0f;
  }
}

NL_BODY void col_sums_body(const float *A, long M, long N, long lda, float *restrict out, float beta) {
  if (beta == 0.0f) for (long j = 0; j < N; j++) out[j] = 0.0f;
  else if (beta != 1.0f) for (long j = 0; j < N; j++) out[j] *= beta;
  for (long i = 0; i < M; i++) {
    const float *restrict a = A + i * lda;
    for (long j = 0; j < N; j++) out[j] += a[j];
  }
}

#if defined(__x86_64__) || defined(__i386__)
#define NL_AVX2 __attribute__((target("avx2")))
NL_AVX2 static void sgd_avx2(float *p, const float *g, float *buf, long n, float lr, float mo, float da, float wd, int ne, int fi) { sgd_body(p, g, buf, n, lr, mo, da, wd, ne, fi); }
NL_AVX2 static void adam_avx2(float *p, const float *g, float *m, float *v, long n, float lr, float b1, float b2, float eps, float wd, int dec, double st) { adam_body(p, g, m, v, n, lr, b1, b2, eps, wd, dec, st); }
NL_AVX2 static void bias_act_avx2(float *C, long M, long N, long ldc, const float *bias, int relu) { bias_act_body(C, M, N, ldc, bias, relu); }
NL_AVX2 static void relu_grad_avx2(const float *dy, const float *y, float *dx, long n) { relu_grad_body(dy, y, dx, n); }
NL_AVX2 static void col_sums_avx2(const float *A, long M, long N, long lda, float *out, float beta) { col_sums_body(A, M, N, lda, out, beta); }
#define NL_DISPATCH(avx2_call, base_call) do { if (nl_cpu_has_avx2()) avx2_call; else base_call; } while (0)
#else
#define NL_DISPATCH(avx2_call, base_call) base_call
#endif

typedef struct { float *p; const float *g; float *buf; float lr, mo, da, wd; int ne, fi; } sgd_ctx;
static void sgd_range(void *c, long i0, long i1) {
  const sgd_ctx *a = (const sgd_ctx *)c;
  float *buf = a->mo != 0.0f ? a->buf + i0 : a->buf;
  NL_DISPATCH(sgd_avx2(a->p + i0, a->g + i0, buf, i1 - i0, a->lr, a->mo, a->da, a->wd, a->ne, a->fi),
              sgd_body(a->p + i0, a->g + i0, buf, i1 - i0, a->lr, a->mo, a->da, a->wd, a->ne, a->fi));
}

/* SGD with momentum/dampening/Nesterov/weight decay, PyTorch's rule in float32. */
void nl_sgd(float *p, const float *g, float *buf, long n, float lr, float momentum, float dampening, float wd,
            int nesterov, int first) {
  sgd_ctx c = { p, g, buf, lr, momentum, dampening, wd, nesterov, first };
  parallel_for(n, NL_GRAIN, sgd_range, &c);
}

typedef struct { float *p; const float *g; float *m, *v; float lr, b1, b2, eps, wd; int dec; double st; } adam_ctx;
static void adam_range(void *c, long i0, long i1) {
  const adam_ctx *a = (const adam_ctx *)c;
  NL_DISPATCH(adam_avx2(a->p + i0, a->g + i0, a->m + i0, a->v + i0, i1 - i0, a->lr, a->b1, a->b2, a->eps, a->wd, a->dec, a->st),
              adam_body(a->p + i0, a->g + i0, a->m + i0, a->v + i0, i1 - i0, a->lr, a->b1, a->b2, a->eps, a->wd, a->dec, a->st));
}

/* Adam (L2 decay) or AdamW (decoupled decay); `step` counts from 1. */
void nl_adam(float *p, const float *g, float *m, float *v, long n, float lr, float beta1, float beta2, float eps,
             float wd, int decoupled, double step) {
  adam_ctx c = { p, g, m, v, lr, beta1, beta2, eps, wd, decoupled, step };
  parallel_for(n, NL_GRAIN / 2, adam_range, &c);
}

static double sumsq_scalar(const float *x, long n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  long i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += (double)x[i] * x[i];
    s1 += (double)x[i + 1] * x[i + 1];
    s2 += (double)x[i + 2] * x[i + 2];
    s3 += (double)x[i + 3] * x[i + 3];
  }
  for (; i < n; i++) s0 += (double)x[i] * x[i];
  return (s0 + s1) + (s2 + s3);
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
/* Squares are exact in double (24-bit mantissas), so FMA changes nothing but
 * the summation order; 16 lanes of double accumulators keep the loop at
 * memory speed (the scalar loop ran at about 2 floats/ns: a tenth of an MLP
 * step for its gradient and weight norms). */
__attribute__((target("avx2,fma"))) static double sumsq_avx2(const float *x, long n) {
  /* 8 independent chains: the FMA latency (4 cycles), not the loads, bounded 4 chains */
  __m256d a[8];
  for (int k = 0; k < 8; k++) a[k] = _mm256_setzero_pd();
  long i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 8; k++) {
      const __m256d d = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4 * k));
      a[k] = _mm256_fmadd_pd(d, d, a[k]);
    }
  for (; i + 4 <= n; i += 4) { const __m256d d = _mm256_cvtps_pd(_mm_loadu_ps(x + i)); a[0] = _mm256_fmadd_pd(d, d, a[0]); }
  const __m256d t = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(a[0], a[1]), _mm256_add_pd(a[2], a[3])),
                                  _mm256_add_pd(_mm256_add_pd(a[4], a[5]), _mm256_add_pd(a[6], a[7])));
  double lanes[4];
  _mm256_storeu_pd(lanes, t);
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + sumsq_scalar(x + i, n - i);
}

__attribute__((target("avx512f"))) static double sumsq_avx512(const float *x, long n) {
  __m512d a[8];
  for (int k = 0; k < 8; k++) a[k] = _mm512_setzero_pd();
  long i = 0;
  for (; i + 64 <= n; i += 64)
    for (int k = 0; k < 8; k++) {
      const __m512d d = _mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8 * k));
      a[k] = _mm512_fmadd_pd(d, d, a[k]);
    }
  for (; i + 8 <= n; i += 8) { const __m512d d = _mm512_cvtps_pd(_mm256_loadu_ps(x + i)); a[0] = _mm512_fmadd_pd(d, d, a[0]); }
  const __m512d t = _mm512_add_pd(_mm512_add_pd(_mm512_add_pd(a[0], a[1]), _mm512_add_pd(a[2], a[3])),
                                  _mm512_add_pd(_mm512_add_pd(a[4], a[5]), _mm512_add_pd(a[6], a[7])));
  double lanes[8];
  _mm512_storeu_pd(lanes, t);
  return (((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))) +
         sumsq_scalar(x + i, n - i);
}
#endif

/* dst[i·row, (i+1)·row) = src[idx[i]·row, …): a shuffled batch gathered from the dataset (the
 * default for training). Its rows are scattered, which the hardware prefetcher cannot follow, so
 * the lines of the row four ahead are requested into L2 while this one is copied (rows up to
 * 64 KiB; L2 takes more misses in flight than L1: 256 MNIST rows from DRAM 156 → 81 µs, where
 * prefetching into L1 two rows ahead gave 140). */
void nl_gather_rows(const float *src, const uint32_t *idx, long n, long row, float *dst) {
  const long bytes = row * (long)sizeof(float);
  for (long i = 0; i < n; i++) {
    if (i + 4 < n && bytes <= 65536) {
      const char *next = (const char *)(src + (size_t)idx[i + 4] * (size_t)row);
      for (long b = 0; b < bytes; b += 64) __builtin_prefetch(next + b, 0, 1);
    }
    memcpy(dst + (size_t)i * (size_t)row, src + (size_t)idx[i] * (size_t)row, (size_t)bytes);
  }
}

/* Index of the first NaN or infinity in x, or -1: the executor's per-op check during training
 * (x − x is 0 for every finite x and NaN otherwise). The vector loop tests 32 floats at a time
 * and only a block that holds one is searched element by element. */
static long first_nonfinite_scalar(const float *x, long n, long base) {
  for (long i = 0; i < n; i++) { const float d = x[i] - x[i]; if (d != d) return base + i; }
  return -1;
}
#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2"))) static long first_nonfinite_avx2(const float *x, long n) {
  long i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
    const __m256 c = _mm256_loadu_ps(x + i + 16), d = _mm256_loadu_ps(x + i + 24);
    /* unordered compares are true exactly for the NaNs that x − x makes of NaN and ±Inf */
    const __m256 u = _mm256_or_ps(_mm256_or_ps(_mm256_cmp_ps(_mm256_sub_ps(a, a), _mm256_sub_ps(a, a), _CMP_UNORD_Q),
                                                _mm256_cmp_ps(_mm256_sub_ps(b, b), _mm256_sub_ps(b, b), _CMP_UNORD_Q)),
                                  _mm256_or_ps(_mm256_cmp_ps(_mm256_sub_ps(c, c), _mm256_sub_ps(c, c), _CMP_UNORD_Q),
                                                _mm256_cmp_ps(_mm256_sub_ps(d, d), _mm256_sub_ps(d, d), _CMP_UNORD_Q)));
    if (_mm256_movemask_ps(u)) return first_nonfinite_scalar(x + i, 32, i);
  }
  return first_nonfinite_scalar(x + i, n - i, i);
}
#endif

long nl_first_nonfinite(const float *x, long n) {
#if defined(__x86_64__) || defined(__i386__)
  if (nl_cpu_has_avx2()) return first_nonfinite_avx2(x, n);
#endif
  return first_nonfinite_scalar(x, n, 0);
}

double nl_sumsq(const float *x, long n) {
#if defined(__x86_64__) || defined(__i386__)
  if (nl_cpu_has_avx512()) return sumsq_avx512(x, n);
  if (nl_cpu_has_avx2()) return sumsq_avx2(x, n);
#endif
  return sumsq_scalar(x, n);
}

/* Optimizer step with the squared norms of its gradient and of the updated
 * parameter (the Trainer's per-parameter metrics) taken in the same pass: each
 * block of NL_NORM_BLOCK items is updated and then summed while it is still in
 * L1. Chunks hold whole blocks and the per-block sums are added in block order,
 * so the norms do not depend on the thread count either. */
#define NL_NORM_BLOCK 4096L
typedef void (*nl_norm_fn)(void *ctx, long i0, long i1, double *sg, double *sp);
typedef struct { nl_range_fn upd; void *uctx; const float *g, *p; double *part; nl_norm_fn fused; } norm_ctx;
static void norm_range(void *c, long i0, long i1) {
  const norm_ctx *a = (const norm_ctx *)c;
  for (long b0 = i0; b0 < i1; b0 += NL_NORM_BLOCK) {
    const long b1 = b0 + NL_NORM_BLOCK < i1 ? b0 + NL_NORM_BLOCK : i1, k = b0 / NL_NORM_BLOCK;
    if (a->fused) { a->fused(a->uctx, b0, b1, &a->part[2 * k], &a->part[2 * k + 1]); continue; }
    a->upd(a->uctx, b0, b1);
    a->part[2 * k] = nl_sumsq(a->g + b0, b1 - b0);
    a->part[2 * k + 1] = nl_sumsq(a->p + b0, b1 - b0);
  }
}

static void step_with_norms(long n, long grain, nl_range_fn upd, nl_norm_fn fused, void *uctx, const float *g, const float *p,
                            double *ss) {
  const long blocks = (n + NL_NORM_BLOCK - 1) / NL_NORM_BLOCK;
  double stack_part[2 * 64], *part = blocks <= 64 ? stack_part : (double *)malloc(sizeof(double) * 2 * (size_t)blocks);
  if (!part) { /* no memory for the partial sums: separate passes */
    parallel_for(n, grain, upd, uctx);
    ss[0] = nl_sumsq(g, n); ss[1] = nl_sumsq(p, n);
    return;
  }
  norm_ctx c = { upd, uctx, g, p, part, fused };
  const int threads = nl_pool_threads();
  if (threads <= 1 || n < 2 * grain) norm_range(&c, 0, n);
  else {
    long chunks = n / grain;
    if (chunks > 4L * threads) chunks = 4L * threads;
    range_job j = { norm_range, &c, n, (n + chunks - 1) / chunks };
    j.per = (j.per + NL_NORM_BLOCK - 1) / NL_NORM_BLOCK * NL_NORM_BLOCK; /* whole blocks per chunk */
    nl_pool_run(range_chunk, &j, (int)((n + j.per - 1) / j.per), threads);
  }
  double sg = 0, sp = 0;
  for (long k = 0; k < blocks; k++) { sg += part[2 * k]; sp += part[2 * k + 1]; }
  ss[0] = sg; ss[1] = sp;
  if (part != stack_part) free(part);
}

#if defined(__x86_64__) || defined(__i386__)
/* SGD on [i0, i1) with the sums of squares of g and of the new p taken while the
 * values are in registers: the update waits on memory, so the float->double
 * conversions (the cost of a separate norm pass) mostly hide under it. Same
 * float32 operations in the same order as sgd_body (no FMA in the update), so
 * the parameters are bit-identical to the plain step. */
__attribute__((target("avx512f"))) static void sgd_norm_range_avx512(void *c, long i0, long i1, double *sg, double *sp) {
  const sgd_ctx *a = (const sgd_ctx *)c;
  float *p = a->p + i0, *buf = a->mo != 0.0f ? a->buf + i0 : a->buf;
  const float *g = a->g + i0;
  const long n = i1 - i0;
  const float keepf = 1.0f - a->da;
  const __m512 lr = _mm512_set1_ps(a->lr), mo = _mm512_set1_ps(a->mo), keep = _mm512_set1_ps(keepf), wd = _mm512_set1_ps(a->wd);
  const int hasMo = a->mo != 0.0f, hasWd = a->wd != 0.0f, ne = a->ne, fi = a->fi;
  __m512d g0 = _mm512_setzero_pd(), g1 = g0, p0 = g0, p1 = g0;
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 gv = _mm512_loadu_ps(g + i);
    __m512 pv = _mm512_loadu_ps(p + i);
    const __m512 d = hasWd ? _mm512_add_ps(gv, _mm512_mul_ps(wd, pv)) : gv;
    __m512 s = d;
    if (hasMo) {
      const __m512 b = fi ? d : _mm512_add_ps(_mm512_mul_ps(mo, _mm512_loadu_ps(buf + i)), _mm512_mul_ps(keep, d));
      _mm512_storeu_ps(buf + i, b);
      s = ne ? _mm512_add_ps(d, _mm512_mul_ps(mo, b)) : b;
    }
    pv = _mm512_sub_ps(pv, _mm512_mul_ps(lr, s));
    _mm512_storeu_ps(p + i, pv);
    const __m512d ga = _mm512_cvtps_pd(_mm512_castps512_ps256(gv)), gb = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(gv), 1)));
    const __m512d pa = _mm512_cvtps_pd(_mm512_castps512_ps256(pv)), pb = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(pv), 1)));
    g0 = _mm512_fmadd_pd(ga, ga, g0); g1 = _mm512_fmadd_pd(gb, gb, g1);
    p0 = _mm512_fmadd_pd(pa, pa, p0); p1 = _mm512_fmadd_pd(pb, pb, p1);
  }
  if (i < n) sgd_body(p + i, g + i, hasMo ? buf + i : buf, n - i, a->lr, a->mo, a->da, a->wd, ne, fi);
  *sg = _mm512_reduce_add_pd(_mm512_add_pd(g0, g1)) + sumsq_scalar(g + i, n - i);
  *sp = _mm512_reduce_add_pd(_mm512_add_pd(p0, p1)) + sumsq_scalar(p + i, n - i);
}
#endif

void nl_sgd_norms(float *p, const float *g, float *buf, long n, float lr, float momentum, float dampening, float wd,
                  int nesterov, int first, double *ss) {
  sgd_ctx c = { p, g, buf, lr, momentum, dampening, wd, nesterov, first };
  nl_norm_fn fused = NULL;
#if defined(__x86_64__) || defined(__i386__)
  if (nl_cpu_has_avx512()) fused = sgd_norm_range_avx512;
#endif
  step_with_norms(n, NL_GRAIN, sgd_range, fused, &c, g, p, ss);
}

#if defined(__x86_64__) || defined(__i386__)
/* Adam/AdamW on [i0, i1) with the squared norms in the same pass, as
 * sgd_norm_range_avx512: the operations of adam_body in its order (IEEE sqrt
 * and division, no FMA), so the parameters are bit-identical. */
__attribute__((target("avx512f"))) static void adam_norm_range_avx512(void *c, long i0, long i1, double *sg, double *sp) {
  const adam_ctx *a = (const adam_ctx *)c;
  float *p = a->p + i0, *m = a->m + i0, *v = a->v + i0;
  const float *g = a->g + i0;
  const long n = i1 - i0;
  const double bc1 = 1.0 - pow(a->b1, a->st), bc2 = 1.0 - pow(a->b2, a->st);
  const float step_size = (float)(a->lr / bc1), bc2_sqrt = (float)sqrt(bc2);
  const float one_b1 = 1.0f - a->b1, one_b2 = 1.0f - a->b2, decay = 1.0f - a->lr * a->wd;
  const __m512 vss = _mm512_set1_ps(step_size), vbc2 = _mm512_set1_ps(bc2_sqrt), vob1 = _mm512_set1_ps(one_b1),
               vob2 = _mm512_set1_ps(one_b2), vb2 = _mm512_set1_ps(a->b2), veps = _mm512_set1_ps(a->eps),
               vdec = _mm512_set1_ps(decay), vwd = _mm512_set1_ps(a->wd);
  const int dec = a->dec, l2 = !a->dec && a->wd != 0.0f;
  __m512d g0 = _mm512_setzero_pd(), g1 = g0, p0 = g0, p1 = g0;
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 gv = _mm512_loadu_ps(g + i), pv = _mm512_loadu_ps(p + i), mv = _mm512_loadu_ps(m + i), vv = _mm512_loadu_ps(v + i);
    const __m512 pi = dec ? _mm512_mul_ps(pv, vdec) : pv;
    const __m512 gi = l2 ? _mm512_add_ps(gv, _mm512_mul_ps(vwd, pv)) : gv;
    const __m512 mi = _mm512_add_ps(mv, _mm512_mul_ps(_mm512_sub_ps(gi, mv), vob1));
    const __m512 vi = _mm512_add_ps(_mm512_mul_ps(vv, vb2), _mm512_mul_ps(_mm512_mul_ps(vob2, gi), gi));
    _mm512_storeu_ps(m + i, mi);
    _mm512_storeu_ps(v + i, vi);
    const __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), vbc2), veps);
    const __m512 pn = _mm512_sub_ps(pi, _mm512_mul_ps(vss, _mm512_div_ps(mi, denom)));
    _mm512_storeu_ps(p + i, pn);
    const __m512d ga = _mm512_cvtps_pd(_mm512_castps512_ps256(gv)), gb = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(gv), 1)));
    const __m512d pa = _mm512_cvtps_pd(_mm512_castps512_ps256(pn)), pb = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(pn), 1)));
    g0 = _mm512_fmadd_pd(ga, ga, g0); g1 = _mm512_fmadd_pd(gb, gb, g1);
    p0 = _mm512_fmadd_pd(pa, pa, p0); p1 = _mm512_fmadd_pd(pb, pb, p1);
  }
  if (i < n) adam_body(p + i, g + i, m + i, v + i, n - i, a->lr, a->b1, a->b2, a->eps, a->wd, a->dec, a->st);
  *sg = _mm512_reduce_add_pd(_mm512_add_pd(g0, g1)) + sumsq_scalar(g + i, n - i);
  *sp = _mm512_reduce_add_pd(_mm512_add_pd(p0, p1)) + sumsq_scalar(p + i, n - i);
}
#endif

void nl_adam_norms(float *p, const float *g, float *m, float *v, long n, float lr, float beta1, float beta2, float eps,
                   float wd, int decoupled, double step, double *ss) {
  adam_ctx c = { p, g, m, v, lr, beta1, beta2, eps, wd, decoupled, step };
  nl_norm_fn fused = NULL;
#if defined(__x86_64__) || defined(__i386__)
  if (nl_cpu_has_avx512()) fused = adam_norm_range_avx512;
#endif
  step_with_norms(n, NL_GRAIN / 2, adam_range, fused, &c, g, p, ss);
}

typedef struct { float *C; long N, ldc; const float *bias; int relu; } bias_act_ctx;
static void bias_act_range(void *c, long i0, long i1) { /* rows [i0, i1) */
  const bias_act_ctx *a = (const bias_act_ctx *)c;
  NL_DISPATCH(bias_act_avx2(a->C + i0 * a->ldc, i1 - i0, a->N, a->ldc, a->bias, a->relu),
              bias_act_body(a->C + i0 * a->ldc, i1 - i0, a->N, a->ldc, a->bias, a->relu));
}
static void relu_flat_range(void *c, long i0, long i1) { /* one long row: columns [i0, i1) */
  const bias_act_ctx *a = (const bias_act_ctx *)c;
  NL_DISPATCH(bias_act_avx2(a->C + i0, 1, i1 - i0, i1 - i0, NULL, 1), bias_act_body(a->C + i0, 1, i1 - i0, i1 - i0, NULL, 1));
}

/* Forward epilogue of a dense layer: C[i, j] += bias[j] (bias may be NULL),
 * then max(0, .) when relu. One pass instead of two. */
void nl_bias_act_serial(float *C, long M, long N, long ldc, const float *bias, int relu) {
  NL_DISPATCH(bias_act_avx2(C, M, N, ldc, bias, relu), bias_act_body(C, M, N, ldc, bias, relu));
}

void nl_bias_act(float *C, long M, long N, long ldc, const float *bias, int relu) {
  bias_act_ctx c = { C, N, ldc, bias, relu };
  if (M == 1 && !bias) { if (relu) parallel_for(N, NL_GRAIN, relu_flat_range, &c); return; }
  parallel_for(M, N > 0 ? (NL_GRAIN + N - 1) / N : M, bias_act_range, &c);
}

typedef struct { const float *dy, *y; float *dx; } relu_grad_ctx;
static void relu_grad_range(void *c, long i0, long i1) {
  const relu_grad_ctx *a = (const relu_grad_ctx *)c;
  NL_DISPATCH(relu_grad_avx2(a->dy + i0, a->y + i0, a->dx + i0, i1 - i0), relu_grad_body(a->dy + i0, a->y + i0, a->dx + i0, i1 - i0));
}

/* ReLU backward: dx = y > 0 ? dy : 0 (y is the ReLU's output or input; both
 * are positive exactly where the gradient passes). dx may alias dy. */
void nl_relu_grad(const float *dy, const float *y, float *dx, long n) {
  relu_grad_ctx c = { dy, y, dx };
  parallel_for(n, NL_GRAIN, relu_grad_range, &c);
}

/* Bias gradient: out[j] = beta * out[j] + sum_i A[i, j] (column sums of an
 * M x N view), summed row by row in float32 like a GEMM with a ones vector. */
void nl_col_sums(const float *A, long M, long N, long lda, float *out, float beta) {
  NL_DISPATCH(col_sums_avx2(A, M, N, lda, out, beta), col_sums_body(A, M, N, lda, out, beta));
}

/* 2-D max pooling without padding or dilation, every window inside the image
 * (the caller checks): y[nc, oh, ow] = max over the window, idx = its flat
 * offset in x (the first maximum in row-major tap order wins; a NaN in the
 * first tap stays, later NaNs never replace a value: the same rule as the JS
 * table path). Indices are doubles because ONNX's int64 Indices live in a
 * Float64Array in the engine. */
typedef struct { const float *x; long H, W, OH, OW, kh, kw, sh, sw; float *y; double *idx; } maxpool_ctx;

static void maxpool_range(void *ctx, long nc0, long nc1) {
  const maxpool_ctx *a = (const maxpool_ctx *)ctx;
  const float *x = a->x;
  const long H = a->H, W = a->W, OH = a->OH, OW = a->OW, kh = a->kh, kw = a->kw, sh = a->sh, sw = a->sw;
  float *y = a->y;
  double *idx = a->idx;
  for (long nc = nc0; nc < nc1; nc++) {
    const long xb = nc * H * W;
    float *yr = y + nc * OH * OW;
    double *ir = idx + nc * OH * OW;
    for (long oh = 0; oh < OH; oh++) {
      for (long ow = 0; ow < OW; ow++) {
        const long base = xb + oh * sh * W + ow * sw;
        float m = x[base];
        long mi = base;
        for (long ki = 0; ki < kh; ki++) {
          const long r = base + ki * W;
          for (long kj = 0; kj < kw; kj++) {
            const float v = x[r + kj];
            if (v > m) { m = v; mi = r + kj; }
          }
        }
        yr[oh * OW + ow] = m;
        ir[oh * OW + ow] = (double)mi;
      }
    }
  }
}

void nl_maxpool2d(const float *x, long NC, long H, long W, long OH, long OW, long kh, long kw, long sh, long sw,
                  float *y, double *idx) {
  maxpool_ctx c = { x, H, W, OH, OW, kh, kw, sh, sw, y, idx };
  const long plane = H * W > 0 ? H * W : 1;
  parallel_for(NC, (NL_GRAIN + plane - 1) / plane, maxpool_range, &c);
}

/* dst[idx[i]] += src[i] (max-pooling backward). The caller checks every index. */
typedef struct { const float *src; const double *idx; long per, per_dst; float *dst; _Atomic long bad; } scatter_ctx;
static void scatter_planes_range(void *c, long k0, long k1) { /* planes [k0, k1) */
  scatter_ctx *a = (scatter_ctx *)c;
  memset(a->dst + k0 * a->per_dst, 0, (size_t)((k1 - k0) * a->per_dst) * sizeof(float));
  for (long k = k0; k < k1; k++) {
    const long lo = k * a->per_dst, hi = lo + a->per_dst;
    for (long i = k * a->per; i < (k + 1) * a->per; i++) {
      const double v = a->idx[i];
      const long j = (long)v;
      if (!(v >= (double)lo && v < (double)hi) || (double)j != v) { a->bad = i; return; }
      a->dst[j] += a->src[i];
    }
  }
}

/* MaxPool backward: dst = 0, then dst[idx[i]] += src[i], plane by plane (plane k of src may
 * only point into plane k of dst), planes split over the pool's threads. Each plane's order is
 * the serial order, so every thread count gives the same result. Returns -1, or the position
 * of an index outside its plane (dst is then incomplete). */
long nl_scatter_add_planes(const float *src, const double *idx, long planes, long per, long per_dst, float *dst) {
  scatter_ctx c = { src, idx, per, per_dst, dst, -1 };
  const long work = per + per_dst;
  parallel_for(planes, work > 0 ? (NL_GRAIN + work - 1) / work : planes, scatter_planes_range, &c);
  return c.bad;
}

void nl_scatter_add(const float *src, const double *idx, long n, float *dst) {
  for (long i = 0; i < n; i++) dst[(long)idx[i]] += src[i];
}

/* Per-channel sums of an [N, C, P] tensor (Conv bias gradient), accumulated in
 * double and rounded once, like the engine's generic ReduceSum. */
typedef struct { const float *x; long N, C, P; float *out; } chsum_ctx;
static void channel_sums_range(void *v, long c0, long c1) {
  const chsum_ctx *a = (const chsum_ctx *)v;
  const float *x = a->x;
  const long N = a->N, C = a->C, P = a->P;
  float *out = a->out;
  for (long c = c0; c < c1; c++) {
    double s = 0.0;
    for (long n = 0; n < N; n++) {
      const float *r = x + (n * C + c) * P;
      double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
      long p = 0;
      for (; p + 4 <= P; p += 4) { s0 += r[p]; s1 += r[p + 1]; s2 += r[p + 2]; s3 += r[p + 3]; }
      for (; p < P; p++) s0 += r[p];
      s += (s0 + s1) + (s2 + s3);
    }
    out[c] = (float)s;
  }
}

/* channels split over the pool's threads (each sum is computed whole by one thread) */
void nl_channel_sums(const float *x, long N, long C, long P, float *out) {
  chsum_ctx c = { x, N, C, P, out };
  const long work = N * P;
  parallel_for(C, work > 0 ? (NL_GRAIN + work - 1) / work : C, channel_sums_range, &c);
}

/* dst[b, a, :] = src[a, b, :] for an [A, B, P] array: moves a whole-batch
 * GEMM result [M, N, P] to NCHW [N, M, P] and back, P floats at a time. With
 * bias (per a) and/or relu, the convolution's epilogue rides along:
 * dst = max(src + bias[a], 0), the same float32 add as a separate pass. */
typedef struct { const float *src; long A, B, P; float *dst; const float *bias; int relu; } swap_ctx;

static void swap_range(void *ctx, long k0, long k1) { /* blocks k = a*B + b in [k0, k1) */
  const swap_ctx *c = (const swap_ctx *)ctx;
  const long A = c->A, B = c->B, P = c->P;
  const int relu = c->relu;
  for (long k = k0; k < k1; k++) {
    const long a = k / B, b = k - a * B;
    const float ba = c->bias ? c->bias[a] : 0.0f;
    const float *restrict s = c->src + k * P;
    float *restrict d = c->dst + (b * A + a) * P;
    if (relu && c->bias) for (long p = 0; p < P; p++) { const float v = s[p] + ba; d[p] = v > 0.0f ? v : 0.0f; }
    else if (relu) for (long p = 0; p < P; p++) d[p] = s[p] > 0.0f ? s[p] : 0.0f;
    else if (c->bias) for (long p = 0; p < P; p++) d[p] = s[p] + ba;
    else for (long p = 0; p < P; p++) d[p] = s[p];
  }
}

void nl_swap_axes01(const float *src, long A, long B, long P, float *dst, const float *bias, int relu) {
  swap_ctx c = { src, A, B, P, dst, bias, relu };
  parallel_for(A * B, P > 0 ? (NL_GRAIN + P - 1) / P : A * B, swap_range, &c);
}

/* Cross-entropy on logits z [N][C] with class indices (the trainer's default loss, on the
 * model's output every step): g = (softmax(z) - onehot(label)) / N as float32, out[0] = the
 * summed loss, out[1] = rows whose first maximum is the label. float64 arithmetic in the same
 * order as the JS loss (training/losses.ts), so both give identical results. Returns -1, the
 * first row whose label is not an integer in [0, C) (g then incomplete), or -2 without memory. */
long nl_softmax_xent(const float *z, const double *labels, long N, long C, float *g, double *out) {
  double stack_p[256];
  double *p = C <= 256 ? stack_p : (double *)malloc((size_t)C * sizeof(double));
  if (!p) return -2;
  double loss = 0;
  long hits = 0;
  for (long n = 0; n < N; n++) {
    const float *row = z + n * C;
    double m = -INFINITY;
    long arg = 0;
    for (long c = 0; c < C; c++)
      if (row[c] > m) { m = row[c]; arg = c; }
    double s = 0;
    for (long c = 0; c < C; c++) { p[c] = exp((double)row[c] - m); s += p[c]; }
    const double k = labels[n];
    if (!(k >= 0 && k < (double)C) || k != floor(k)) { if (p != stack_p) free(p); return n; }
    const long ki = (long)k;
    loss += m + log(s) - row[ki];
    for (long c = 0; c < C; c++) g[n * C + c] = (float)((p[c] / s - (c == ki ? 1.0 : 0.0)) / (double)N);
    if (arg == ki) hits++;
  }
  if (p != stack_p) free(p);
  out[0] = loss;
  out[1] = (double)hits;
  return -1;
}
