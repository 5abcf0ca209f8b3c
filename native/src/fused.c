/* Fused element-wise helpers for the training loop (optimizer updates and
 * squared norms). Memory-bound loops over every parameter: in JS they cost as
 * much as the MLP's GEMMs; here the compiler vectorises them.
 *
 * Arithmetic follows PyTorch's single-tensor optimizers in float32, in the
 * same order as the JS fallbacks in extension/engine/cpu/gemm.ts; built with
 * -ffp-contract=off so no multiply-add is fused behind our back. */
#include "sgemm.h"

#include <math.h>

void nl_sgd(float *restrict p, const float *restrict g, float *restrict buf, long n, float lr,
            float momentum, float dampening, float wd, int nesterov, int first) {
  if (momentum == 0.0f) {
    if (wd == 0.0f) for (long i = 0; i < n; i++) p[i] = p[i] - lr * g[i];
    else for (long i = 0; i < n; i++) { float d = g[i] + wd * p[i]; p[i] = p[i] - lr * d; }
    return;
  }
  const float keep = 1.0f - dampening;
  for (long i = 0; i < n; i++) {
    const float d = wd != 0.0f ? g[i] + wd * p[i] : g[i];
    const float b = first ? d : momentum * buf[i] + keep * d;
    buf[i] = b;
    const float step = nesterov ? d + momentum * b : b;
    p[i] = p[i] - lr * step;
  }
}

void nl_adam(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
             float lr, float beta1, float beta2, float eps, float wd, int decoupled, double step) {
  const double bc1 = 1.0 - pow(beta1, step), bc2 = 1.0 - pow(beta2, step);
  const float step_size = (float)(lr / bc1), bc2_sqrt = (float)sqrt(bc2);
  const float one_b1 = 1.0f - beta1, one_b2 = 1.0f - beta2, decay = 1.0f - lr * wd;
  for (long i = 0; i < n; i++) {
    float gi = g[i], pi = p[i];
    if (decoupled) pi = pi * decay;
    else if (wd != 0.0f) gi = gi + wd * pi;
    const float mi = m[i] + (gi - m[i]) * one_b1;
    const float vi = v[i] * beta2 + one_b2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const float denom = sqrtf(vi) / bc2_sqrt + eps;
    p[i] = pi - step_size * (mi / denom);
  }
}

double nl_sumsq(const float *x, long n) {
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

/* Forward epilogue of a dense layer: C[i, j] += bias[j] (bias may be NULL),
 * then max(0, .) when relu. One pass instead of two. */
void nl_bias_act(float *C, long M, long N, long ldc, const float *bias, int relu) {
  for (long i = 0; i < M; i++) {
    float *c = C + i * ldc;
    if (bias && relu) for (long j = 0; j < N; j++) { const float v = c[j] + bias[j]; c[j] = v > 0.0f ? v : 0.0f; }
    else if (bias) for (long j = 0; j < N; j++) c[j] += bias[j];
    else if (relu) for (long j = 0; j < N; j++) c[j] = c[j] > 0.0f ? c[j] : 0.0f;
  }
}

/* ReLU backward: dx = y > 0 ? dy : 0 (y is the ReLU's output or input; both
 * are positive exactly where the gradient passes). dx may alias dy. */
void nl_relu_grad(const float *dy, const float *y, float *dx, long n) {
  for (long i = 0; i < n; i++) {
    const float d = dy[i]; /* loaded unconditionally so the loop vectorises (a blend, no branch) */
    dx[i] = y[i] > 0.0f ? d : 0.0f;
  }
}

/* Bias gradient: out[j] = beta * out[j] + sum_i A[i, j] (column sums of an
 * M x N view), summed row by row in float32 like a GEMM with a ones vector. */
void nl_col_sums(const float *A, long M, long N, long lda, float *out, float beta) {
  if (beta == 0.0f) for (long j = 0; j < N; j++) out[j] = 0.0f;
  else if (beta != 1.0f) for (long j = 0; j < N; j++) out[j] *= beta;
  for (long i = 0; i < M; i++) {
    const float *a = A + i * lda;
    for (long j = 0; j < N; j++) out[j] += a[j];
  }
}

/* 2-D max pooling without padding or dilation, every window inside the image
 * (the caller checks): y[nc, oh, ow] = max over the window, idx = its flat
 * offset in x (the first maximum in row-major tap order wins; a NaN in the
 * first tap stays, later NaNs never replace a value: the same rule as the JS
 * table path). Indices are doubles because ONNX's int64 Indices live in a
 * Float64Array in the engine. */
void nl_maxpool2d(const float *x, long NC, long H, long W, long OH, long OW, long kh, long kw, long sh, long sw,
                  float *y, double *idx) {
  for (long nc = 0; nc < NC; nc++) {
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

/* dst[idx[i]] += src[i] (max-pooling backward). The caller checks every index. */
void nl_scatter_add(const float *src, const double *idx, long n, float *dst) {
  for (long i = 0; i < n; i++) dst[(long)idx[i]] += src[i];
}

/* Per-channel sums of an [N, C, P] tensor (Conv bias gradient), accumulated in
 * double and rounded once, like the engine's generic ReduceSum. */
void nl_channel_sums(const float *x, long N, long C, long P, float *out) {
  for (long c = 0; c < C; c++) {
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
