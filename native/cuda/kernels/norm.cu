// BatchNormalization over [N, C, S]: per-channel statistics (one block per channel), the
// normalization, the running-statistics update, and the gradient.

// BODY once per element of channel c (cnt = N·S of them) with q its flat index in [N, C, S];
// 32-bit index arithmetic below 2^30 elements (a 64-bit division per element made these loops
// compute-bound), 64-bit above.
#define NL_BN_CHANNEL_LOOP(BODY)                                                                   \
  if (cnt < (1LL << 30)) {                                                                         \
    unsigned S_ = (unsigned)S, n32 = (unsigned)cnt;                                                \
    for (unsigned i = threadIdx.x; i < n32; i += blockDim.x) {                                     \
      unsigned n_ = i / S_;                                                                        \
      long long q = ((long long)n_ * C + c) * S + (i - n_ * S_);                                   \
      BODY                                                                                         \
    }                                                                                              \
  } else {                                                                                         \
    for (long long i = threadIdx.x; i < cnt; i += blockDim.x) {                                    \
      long long q = ((i / S) * C + c) * S + i % S;                                                 \
      BODY                                                                                         \
    }                                                                                              \
  }

// the channel of flat element i of [N, C, S] (32-bit arithmetic while n < 2^30)
#define NL_BN_CHANNEL(i, n) ((n) < (1LL << 30) ? (int)(((unsigned)(i) / (unsigned)S) % (unsigned)C) : (int)(((i) / S) % C))

// stats[c] = mean, stats[C + c] = biased variance of the batch
NL_EXTERN void bn_stats(const float *x, float *mean, float *var, int N, int C, int S) {
  int c = blockIdx.x;
  long long cnt = (long long)N * S;
  float s = 0.f;
  NL_BN_CHANNEL_LOOP(s += x[q];)
  float m = nl_block_sum(s) / (float)cnt;
  float v = 0.f;
  NL_BN_CHANNEL_LOOP(float d = x[q] - m; v += d * d;)
  v = nl_block_sum(v) / (float)cnt;
  if (threadIdx.x == 0) { mean[c] = m; var[c] = v; }
}

// invStd[c] = 1/sqrt(var[c] + eps); new running stats when rm != 0.
NL_EXTERN void bn_finish(const float *var, float *invStd, const float *rm, const float *rv, float *nrm, float *nrv,
                         const float *mean, int C, float eps, float momentum, float corr) {
  NL_FOR(c, C) {
    invStd[c] = 1.f / sqrtf(var[c] + eps);
    if (rm) {
      nrm[c] = rm[c] * momentum + mean[c] * (1.f - momentum);
      nrv[c] = rv[c] * momentum + var[c] * corr * (1.f - momentum);
    }
  }
}

// Inference: invStd from the running variance.
NL_EXTERN void bn_inv(const float *var, float *invStd, int C, float eps) {
  NL_FOR(c, C) invStd[c] = 1.f / sqrtf(var[c] + eps);
}

NL_EXTERN void bn_apply(const float *x, float *y, const float *scale, const float *bias, const float *mean,
                        const float *invStd, long long n, int C, int S) {
  NL_FOR(i, n) {
    int c = NL_BN_CHANNEL(i, n);
    y[i] = (x[i] - mean[c]) * (scale[c] * invStd[c]) + bias[c];
  }
}

// Per channel: dbias = Σ dy, dscale = Σ dy·x̂.
NL_EXTERN void bn_grad_sums(const float *dy, const float *x, const float *mean, const float *invStd,
                            float *dscale, float *dbias, int N, int C, int S) {
  int c = blockIdx.x;
  long long cnt = (long long)N * S;
  float m = mean[c], r = invStd[c], sd = 0.f, sdx = 0.f;
  NL_BN_CHANNEL_LOOP(sd += dy[q]; sdx += dy[q] * (x[q] - m) * r;)
  sd = nl_block_sum(sd);
  sdx = nl_block_sum(sdx);
  if (threadIdx.x == 0) { dbias[c] = sd; dscale[c] = sdx; }
}

NL_EXTERN void bn_grad_x(const float *dy, const float *x, const float *scale, const float *mean, const float *invStd,
                         const float *dscale, const float *dbias, float *dx, long long n, int C, int S, float cnt, int training) {
  NL_FOR(i, n) {
    int c = NL_BN_CHANNEL(i, n);
    float r = invStd[c], k = scale[c] * r;
    dx[i] = training ? (k / cnt) * (cnt * dy[i] - dbias[c] - (x[i] - mean[c]) * r * dscale[c]) : k * dy[i];
  }
}
