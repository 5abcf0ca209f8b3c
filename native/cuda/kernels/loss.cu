// NegativeLogLikelihoodLoss over [N, C, D] log-probabilities with int32 targets.
// perSample[n·D + d] = −x[n, t, d]·w(t) (0 where ignored), wOut[n·D + d] = w(t); the host
// reduces both with reduce_rows for 'mean' / 'sum'.
NL_EXTERN void nll_loss(const float *x, const int *target, const float *weight, float *perSample, float *wOut,
                        int N, int C, int D, int ignoreIndex, int hasIgnore, int *bad) {
  long long n = (long long)N * D;
  NL_FOR(i, n) {
    long long b = i / D, d = i % D;
    int t = target[i];
    if (hasIgnore && t == ignoreIndex) { perSample[i] = 0.f; wOut[i] = 0.f; continue; }
    if (t < 0 || t >= C) { *bad = t; perSample[i] = NL_NAN; wOut[i] = 0.f; continue; }
    float w = weight ? weight[t] : 1.f;
    perSample[i] = -x[(b * C + t) * D + d] * w;
    wOut[i] = w;
  }
}

// dx[n, t, d] = −w(t)·g where g is dloss[n·D + d] (reduction none) or dloss[0]·scale.
NL_EXTERN void nll_loss_grad(const float *dl, const int *target, const float *weight, float *dx, int N, int C, int D,
                             int ignoreIndex, int hasIgnore, int perElement, const float *wsum) {
  long long n = (long long)N * D;
  NL_FOR(i, n) {
    long long b = i / D, d = i % D;
    int t = target[i];
    if ((hasIgnore && t == ignoreIndex) || t < 0 || t >= C) continue;
    float w = weight ? weight[t] : 1.f;
    float g = perElement ? dl[i] : dl[0] * (wsum ? 1.f / wsum[0] : 1.f);
    dx[(b * C + t) * D + d] = -w * g;
  }
}
