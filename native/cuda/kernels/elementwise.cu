// Broadcasting binary ops (and Expand), unary maps and their fused gradients, Cast, Fill.
// Shapes are padded to rank 6 by the host; strides are 0 on broadcast dimensions.

enum { B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAX, B_MIN, B_EQ, B_LT, B_GT, B_FIRST };

__device__ __forceinline__ float nl_binary(int op, float x, float y) {
  switch (op) {
    case B_ADD: return x + y;
    case B_SUB: return x - y;
    case B_MUL: return x * y;
    case B_DIV: return x / y;
    case B_POW: return powf(x, y);
    case B_MAX: return (x != x || y != y) ? NL_NAN : (x > y ? x : y);
    case B_MIN: return (x != x || y != y) ? NL_NAN : (x < y ? x : y);
    case B_EQ: return x == y ? 1.f : 0.f;
    case B_LT: return x < y ? 1.f : 0.f;
    case B_GT: return x > y ? 1.f : 0.f;
    default: return x;  // B_FIRST: Expand
  }
}

// Same shape, or b a scalar (bScalar = 1).
NL_EXTERN void binary_flat(int op, const float *a, const float *b, float *out, long long n, int bScalar) {
  NL_FOR(i, n) out[i] = nl_binary(op, a[i], b[bScalar ? 0 : i]);
}

// General broadcast over rank 6: out dims d0..d5, strides of a and b in elements.
NL_EXTERN void binary_bcast(int op, const float *a, const float *b, float *out, long long n,
                            int d0, int d1, int d2, int d3, int d4, int d5,
                            int a0, int a1, int a2, int a3, int a4, int a5,
                            int b0, int b1, int b2, int b3, int b4, int b5) {
  int d[6] = {d0, d1, d2, d3, d4, d5}, sa[6] = {a0, a1, a2, a3, a4, a5}, sb[6] = {b0, b1, b2, b3, b4, b5};
  NL_FOR(i, n) {
    long long r = i, ia = 0, ib = 0;
    for (int k = 5; k >= 0; k--) {
      int c = (int)(r % d[k]);
      r /= d[k];
      ia += (long long)c * sa[k];
      ib += (long long)c * sb[k];
    }
    out[i] = nl_binary(op, a[ia], b[ib]);
  }
}

enum { U_NEG, U_ABS, U_EXP, U_LOG, U_SQRT, U_ERF, U_RECIP, U_RELU, U_LEAKY, U_SIGMOID, U_TANH, U_GELU, U_GELU_TANH, U_CLIP, U_SIGN };

__device__ __forceinline__ float nl_unary(int op, float x, float alpha, float lo, float hi) {
  switch (op) {
    case U_NEG: return -x;
    case U_ABS: return fabsf(x);
    case U_EXP: return expf(x);
    case U_LOG: return logf(x);
    case U_SQRT: return sqrtf(x);
    case U_ERF: return erff(x);
    case U_RECIP: return 1.f / x;
    case U_RELU: return x > 0.f ? x : 0.f;
    case U_LEAKY: return x >= 0.f ? x : alpha * x;
    case U_SIGMOID: return x >= 0.f ? 1.f / (1.f + expf(-x)) : expf(x) / (1.f + expf(x));
    case U_TANH: return tanhf(x);
    case U_GELU: return 0.5f * x * (1.f + erff(x * 0.70710678118654752f));
    case U_GELU_TANH: return 0.5f * x * (1.f + tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x)));
    case U_CLIP: { float v = x < lo ? lo : x; return v > hi ? hi : v; }
    case U_SIGN: return x > 0.f ? 1.f : (x < 0.f ? -1.f : 0.f);
  }
  return x;
}

NL_EXTERN void unary(int op, const float *x, float *out, long long n, float alpha, float lo, float hi) {
  NL_FOR(i, n) out[i] = nl_unary(op, x[i], alpha, lo, hi);
}

// dx from (dy, t): t is the forward input x (Relu, LeakyRelu, Gelu, Erf, Clip, Abs) or
// the forward output y (Sigmoid, Tanh, Sqrt, Exp, Reciprocal) — as the CPU UnaryGrad.
NL_EXTERN void unary_grad(int op, const float *dy, const float *t, float *dx, long long n, float alpha, float lo, float hi) {
  NL_FOR(i, n) {
    float d = dy[i], v = t[i], r;
    switch (op) {
      case U_RELU: r = v > 0.f ? d : 0.f; break;
      case U_LEAKY: r = v > 0.f ? d : alpha * d; break;
      case U_SIGMOID: r = d * v * (1.f - v); break;
      case U_TANH: r = d * (1.f - v * v); break;
      case U_SQRT: r = d * 0.5f / v; break;
      case U_EXP: r = d * v; break;
      case U_RECIP: r = -d * v * v; break;
      case U_ABS: r = v > 0.f ? d : (v < 0.f ? -d : 0.f); break;
      case U_ERF: r = d * 1.1283791670955126f * expf(-v * v); break;
      case U_CLIP: r = (v >= lo && v <= hi) ? d : 0.f; break;
      case U_GELU: r = d * (0.5f * (1.f + erff(v * 0.70710678118654752f)) + v * 0.3989422804014327f * expf(-0.5f * v * v)); break;
      case U_GELU_TANH: {
        float u = 0.7978845608028654f * (v + 0.044715f * v * v * v), th = tanhf(u);
        float du = 0.7978845608028654f * (1.f + 3.f * 0.044715f * v * v);
        r = d * (0.5f * (1.f + th) + 0.5f * v * (1.f - th * th) * du);
        break;
      }
      default: r = NL_NAN;
    }
    dx[i] = r;
  }
}

// Integer-valued device storage is int32 (indices, targets, masks, bool).
NL_EXTERN void cast_f32_i32(const float *x, int *out, long long n, int toBool) {
  NL_FOR(i, n) out[i] = toBool ? (x[i] != 0.f) : (int)truncf(x[i]);
}
NL_EXTERN void cast_i32_f32(const int *x, float *out, long long n) {
  NL_FOR(i, n) out[i] = (float)x[i];
}
NL_EXTERN void fill_f32(float *out, long long n, float v) {
  NL_FOR(i, n) out[i] = v;
}
