// Fused optimizer updates, in place on device-resident parameters and state, following the
// CPU optimizers (PyTorch's rules, float32).

// SGD: d = g + wd·p; buf = first ? d : momentum·buf + (1 − dampening)·d;
// d = nesterov ? d + momentum·buf : buf (when momentum ≠ 0); p −= lr·d.
NL_EXTERN void sgd_step(float *p, const float *g, float *buf, long long n, float lr, float momentum, float dampening,
                        float weightDecay, int nesterov, int first) {
  NL_FOR(i, n) {
    float d = g[i];
    if (weightDecay != 0.f) d += weightDecay * p[i];
    if (momentum != 0.f) {
      float b = first ? d : momentum * buf[i] + (1.f - dampening) * d;
      buf[i] = b;
      d = nesterov ? d + momentum * b : b;
    }
    p[i] -= lr * d;
  }
}

// Adam (decoupled = 0: L2 added to the gradient) / AdamW (decoupled = 1: p *= 1 − lr·wd).
// stepSize = lr / (1 − β1^t), bc2Sqrt = sqrt(1 − β2^t), computed on the host in float64.
NL_EXTERN void adam_step(float *p, const float *g, float *m, float *v, long long n, float lr, float beta1, float beta2,
                         float eps, float weightDecay, int decoupled, float stepSize, float bc2Sqrt) {
  NL_FOR(i, n) {
    float gi = g[i], pi = p[i];
    if (decoupled) pi *= 1.f - lr * weightDecay;
    else if (weightDecay != 0.f) gi += weightDecay * pi;
    float mi = m[i] + (gi - m[i]) * (1.f - beta1);  // torch's lerp form
    float vi = v[i] * beta2 + ((1.f - beta2) * gi) * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - stepSize * (mi / (sqrtf(vi) / bc2Sqrt + eps));
  }
}
