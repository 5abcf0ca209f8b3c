// Reductions over the middle axis of a [outer, len, inner] view (the host moves reduced axes
// together with a Transpose first), softmax / log-softmax on the same view, and their grads.

enum { R_SUM, R_MEAN, R_MAX, R_SUMSQ };

// inner == 1: one block per row, block-wide reduction.
NL_EXTERN void reduce_rows(int kind, const float *x, float *out, int outer, int len) {
  int o = blockIdx.x;
  if (o >= outer) return;
  const float *r = x + (long long)o * len;
  float acc = kind == R_MAX ? -NL_INF : 0.f;
  bool nan = false;
  for (int j = threadIdx.x; j < len; j += blockDim.x) {
    float v = r[j];
    if (kind == R_MAX) { if (v != v) nan = true; acc = fmaxf(acc, v); }
    else acc += kind == R_SUMSQ ? v * v : v;
  }
  if (kind == R_MAX) {
    acc = nl_block_max(acc);
    nan = nl_block_sum(nan ? 1.f : 0.f) > 0.f;
    if (threadIdx.x == 0) out[o] = nan ? NL_NAN : acc;
  } else {
    acc = nl_block_sum(acc);
    if (threadIdx.x == 0) out[o] = kind == R_MEAN ? acc / (float)len : acc;
  }
}

// out[0] += Σ x² over all of x (float32): a grid-stride pass, one atomicAdd per block. The
// caller zeroes out first; many tensors can sum into slots of one buffer read back at once
// (the Trainer's per-parameter norms on the device).
NL_EXTERN void sumsq_into(const float *x, long long n, float *out) {
  float acc = 0.f;
  NL_FOR(i, n) acc += x[i] * x[i];
  acc = nl_block_sum(acc);
  if (threadIdx.x == 0 && acc != 0.f) atomicAdd(out, acc);
}

// flag[0] = 1 if x holds a NaN or an infinity (v − v is NaN exactly then); never cleared here,
// so one flag per checked tensor can be read back for a whole forward or backward pass.
NL_EXTERN void nonfinite_flag(const float *x, long long n, int *flag) {
  int bad = 0;
  NL_FOR(i, n) { float v = x[i]; bad |= (v - v) != 0.f; }
  if (__syncthreads_or(bad) && threadIdx.x == 0) *flag = 1;
}

// inner > 1: one thread per (outer, inner) output, reads coalesced along inner.
NL_EXTERN void reduce_mid(int kind, const float *x, float *out, int outer, int len, int inner) {
  long long n = (long long)outer * inner;
  NL_FOR(i, n) {
    long long o = i / inner, k = i % inner;
    const float *p = x + o * len * inner + k;
    float acc = kind == R_MAX ? -NL_INF : 0.f;
    for (int j = 0; j < len; j++) {
      float v = p[(long long)j * inner];
      if (kind == R_MAX) acc = (v != v || acc != acc) ? NL_NAN : fmaxf(acc, v);
      else acc += kind == R_SUMSQ ? v * v : v;
    }
    out[i] = kind == R_MEAN ? acc / (float)len : acc;
  }
}

// Softmax over len with inner == 1: one block per row.
NL_EXTERN void softmax_rows(const float *x, float *y, int outer, int len, int logMode) {
  int o = blockIdx.x;
  if (o >= outer) return;
  const float *r = x + (long long)o * len;
  float *w = y + (long long)o * len;
  float m = -NL_INF;
  for (int j = threadIdx.x; j < len; j += blockDim.x) m = fmaxf(m, r[j]);
  m = nl_block_max(m);
  float s = 0.f;
  for (int j = threadIdx.x; j < len; j += blockDim.x) s += expf(r[j] - m);
  s = nl_block_sum(s);
  if (logMode) {
    float ls = logf(s);
    for (int j = threadIdx.x; j < len; j += blockDim.x) w[j] = r[j] - m - ls;
  } else {
    float inv = 1.f / s;
    for (int j = threadIdx.x; j < len; j += blockDim.x) w[j] = expf(r[j] - m) * inv;
  }
}

// Softmax over len with inner > 1: one thread per (outer, inner).
NL_EXTERN void softmax_mid(const float *x, float *y, int outer, int len, int inner, int logMode) {
  long long n = (long long)outer * inner;
  NL_FOR(i, n) {
    long long o = i / inner, k = i % inner, base = o * len * inner + k;
    float m = -NL_INF, s = 0.f;
    for (int j = 0; j < len; j++) m = fmaxf(m, x[base + (long long)j * inner]);
    for (int j = 0; j < len; j++) s += expf(x[base + (long long)j * inner] - m);
    float ls = logf(s);
    for (int j = 0; j < len; j++) {
      long long q = base + (long long)j * inner;
      y[q] = logMode ? x[q] - m - ls : expf(x[q] - m - ls);
    }
  }
}

// softmax: dx = y (dy − Σ dy·y); log-softmax: dx = dy − e^y Σ dy. One thread per (outer, inner).
NL_EXTERN void softmax_grad(const float *dy, const float *y, float *dx, int outer, int len, int inner, int logMode) {
  long long n = (long long)outer * inner;
  NL_FOR(i, n) {
    long long o = i / inner, k = i % inner, base = o * len * inner + k;
    float s = 0.f;
    for (int j = 0; j < len; j++) {
      long long q = base + (long long)j * inner;
      s += logMode ? dy[q] : dy[q] * y[q];
    }
    for (int j = 0; j < len; j++) {
      long long q = base + (long long)j * inner;
      dx[q] = logMode ? dy[q] - expf(y[q]) * s : y[q] * (dy[q] - s);
    }
  }
}

// Generic permutation (rank ≤ 6): out dims d*, and for each out dim the input stride.
NL_EXTERN void transpose(const float *x, float *out, long long n,
                         int d0, int d1, int d2, int d3, int d4, int d5,
                         int s0, int s1, int s2, int s3, int s4, int s5) {
  int d[6] = {d0, d1, d2, d3, d4, d5}, s[6] = {s0, s1, s2, s3, s4, s5};
  NL_FOR(i, n) {
    long long r = i, src = 0;
    for (int k = 5; k >= 0; k--) { int c = (int)(r % d[k]); r /= d[k]; src += (long long)c * s[k]; }
    out[i] = x[src];
  }
}
