/* N-API surface of the Neural Lens CPU kernels (plain C, no node-addon-api;
 * N-API keeps one build loadable by Node 20, Node 24 and Electron).
 *
 * Every entry point validates its Float32Array views, offsets and leading
 * dimensions against the arrays' lengths before touching memory and throws a
 * RangeError/TypeError naming the argument, so a bad call cannot crash the
 * extension host. */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sgemm.h"

#define CHECK(call) do { if ((call) != napi_ok) return throw_last(env); } while (0)

static napi_value throw_last(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "N-API call failed");
  return NULL;
}

static napi_value range_error(napi_env env, const char *fn, const char *msg) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s: %s", fn, msg);
  napi_throw_range_error(env, NULL, buf);
  return NULL;
}

typedef struct { float *data; size_t length; } f32view;

static int get_f32(napi_env env, napi_value v, f32view *out, const char *fn, const char *name) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) goto bad;
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok) goto bad;
  if (type != napi_float32_array) goto bad;
  out->data = (float *)data;
  out->length = length;
  return 1;
bad:;
  char buf[160];
  snprintf(buf, sizeof buf, "%s: %s must be a Float32Array", fn, name);
  napi_throw_type_error(env, NULL, buf);
  return 0;
}

/* A non-negative integer that fits comfortably in a long. */
static int get_index(napi_env env, napi_value v, long *out, const char *fn, const char *name) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) || d > 9.0e15 || d != floor(d)) {
    char buf[160];
    snprintf(buf, sizeof buf, "%s: %s must be a non-negative integer", fn, name);
    napi_throw_range_error(env, NULL, buf);
    return 0;
  }
  *out = (long)d;
  return 1;
}

static int get_float(napi_env env, napi_value v, float *out, const char *fn, const char *name) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    char buf[160];
    snprintf(buf, sizeof buf, "%s: %s must be a number", fn, name);
    napi_throw_type_error(env, NULL, buf);
    return 0;
  }
  *out = (float)d;
  return 1;
}

/* Checks that a rows x cols row-major view at `off` with leading dimension
 * `ld` lies inside an array of `length` elements. */
static const char *check_view(size_t length, long off, long rows, long cols, long ld) {
  if (rows == 0 || cols == 0) return NULL;
  if (ld < cols) return "leading dimension is smaller than the row length";
  double last = (double)off + (double)(rows - 1) * (double)ld + (double)(cols - 1);
  if (last >= (double)length) return "view runs past the end of the array";
  return NULL;
}

static int get_bool(napi_env env, napi_value v, bool *out, const char *fn, const char *name);

/* sgemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc[, bias | null, relu])
 * bias (length >= N) and relu: C[i, j] += bias[j], then max(C, 0), done by the GEMM's threads. */
static napi_value js_sgemm(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "sgemm";
  size_t argc = 18;
  napi_value argv[18];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 16) return range_error(env, fn, "expected 16 arguments");
  bool ta, tb;
  CHECK(napi_get_value_bool(env, argv[0], &ta));
  CHECK(napi_get_value_bool(env, argv[1], &tb));
  long M, N, K, aOff, lda, bOff, ldb, cOff, ldc;
  float alpha, beta;
  f32view A, B, C;
  if (!get_index(env, argv[2], &M, fn, "M") || !get_index(env, argv[3], &N, fn, "N") ||
      !get_index(env, argv[4], &K, fn, "K") || !get_float(env, argv[5], &alpha, fn, "alpha") ||
      !get_f32(env, argv[6], &A, fn, "A") || !get_index(env, argv[7], &aOff, fn, "aOff") ||
      !get_index(env, argv[8], &lda, fn, "lda") || !get_f32(env, argv[9], &B, fn, "B") ||
      !get_index(env, argv[10], &bOff, fn, "bOff") || !get_index(env, argv[11], &ldb, fn, "ldb") ||
      !get_float(env, argv[12], &beta, fn, "beta") || !get_f32(env, argv[13], &C, fn, "C") ||
      !get_index(env, argv[14], &cOff, fn, "cOff") || !get_index(env, argv[15], &ldc, fn, "ldc"))
    return NULL;
  const char *err;
  if (M == 0 || N == 0) return NULL;
  if (K > 0 && alpha != 0.0f) {
    if ((err = check_view(A.length, aOff, ta ? K : M, ta ? M : K, lda))) return range_error(env, "sgemm: A", err);
    if ((err = check_view(B.length, bOff, tb ? N : K, tb ? K : N, ldb))) return range_error(env, "sgemm: B", err);
  }
  if ((err = check_view(C.length, cOff, M, N, ldc))) return range_error(env, "sgemm: C", err);
  f32view bias = { NULL, 0 };
  bool relu = false;
  if (argc > 16) {
    napi_valuetype bt;
    CHECK(napi_typeof(env, argv[16], &bt));
    if (bt != napi_null && bt != napi_undefined && !get_f32(env, argv[16], &bias, fn, "bias")) return NULL;
    if (bias.data && (long)bias.length < N) return range_error(env, fn, "bias is shorter than N");
  }
  if (argc > 17 && !get_bool(env, argv[17], &relu, fn, "relu")) return NULL;
  nl_gemm_args g = { ta, tb, M, N, K, alpha, beta, A.data + aOff, lda, B.data + bOff, ldb, C.data + cOff, ldc, bias.data, relu };
  nl_sgemm(&g);
  return NULL;
}

/* im2col(x, xOff, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, col, colOff, colLd[, count])
 * col2im(col, colOff, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, x, xOff, colLd[, count])  (accumulates)
 * colLd: distance between rows of col (>= OH*OW; 0 means OH*OW). count (default 1):
 * that many consecutive images, image n at columns n*OH*OW.. of col (so colLd >= count*OH*OW). */
static napi_value conv_unfold(napi_env env, napi_callback_info cbinfo, int fold) {
  const char *fn = fold ? "col2im" : "im2col";
  size_t argc = 19;
  napi_value argv[19];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 18) return range_error(env, fn, "expected 18 arguments");
  long count = 1;
  napi_valuetype ct = napi_undefined;
  if (argc > 18) CHECK(napi_typeof(env, argv[18], &ct));
  if (ct != napi_undefined && !get_index(env, argv[18], &count, fn, "count")) return NULL;
  static const char *names[13] = { "C", "H", "W", "kh", "kw", "sh", "sw", "ph", "pw", "dh", "dw", "OH", "OW" };
  long v[13], off0, off1, ld;
  f32view a0, a1;
  if (!get_f32(env, argv[0], &a0, fn, fold ? "col" : "x") || !get_index(env, argv[1], &off0, fn, "offset")) return NULL;
  for (int i = 0; i < 13; i++) if (!get_index(env, argv[2 + i], &v[i], fn, names[i])) return NULL;
  if (!get_f32(env, argv[15], &a1, fn, fold ? "x" : "col") || !get_index(env, argv[16], &off1, fn, "offset") ||
      !get_index(env, argv[17], &ld, fn, "colLd"))
    return NULL;
  const long C = v[0], H = v[1], W = v[2], kh = v[3], kw = v[4], sh = v[5], sw = v[6];
  const long ph = v[7], pw = v[8], dh = v[9], dw = v[10], OH = v[11], OW = v[12];
  if (sh < 1 || sw < 1 || dh < 1 || dw < 1) return range_error(env, fn, "strides and dilations must be >= 1");
  if (ld == 0) ld = count * OH * OW;
  if (ld < count * OH * OW) return range_error(env, fn, "colLd is smaller than count*OH*OW");
  if (count == 0) return NULL;
  const double rows = (double)C * kh * kw;
  const double image = (double)count * C * H * W, cols = rows == 0 || OH * OW == 0 ? 0 : (rows - 1) * (double)ld + (double)count * OH * OW;
  const double need0 = fold ? cols : image, need1 = fold ? image : cols;
  if ((double)off0 + need0 > (double)a0.length) return range_error(env, fn, fold ? "col is too short" : "x is too short");
  if ((double)off1 + need1 > (double)a1.length) return range_error(env, fn, fold ? "x is too short" : "col is too short");
  if (count > 1) nl_unfold_batch(fold, a0.data + off0, a1.data + off1, count, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, ld);
  else if (fold) nl_col2im(a0.data + off0, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, a1.data + off1, ld);
  else nl_im2col(a0.data + off0, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, a1.data + off1, ld);
  return NULL;
}

static napi_value js_im2col(napi_env env, napi_callback_info cb) { return conv_unfold(env, cb, 0); }
static napi_value js_col2im(napi_env env, napi_callback_info cb) { return conv_unfold(env, cb, 1); }

static napi_value js_set_threads(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  long n;
  if (argc < 1 || !get_index(env, argv[0], &n, "setThreads", "n")) return NULL;
  nl_pool_set_threads((int)(n > 1024 ? 1024 : n));
  return NULL;
}

/* setIsa("avx512" | "avx2" | "generic" | "auto") -> boolean (false: not supported here) */
static napi_value js_set_isa(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  char name[32] = "";
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "setIsa: name must be a string");
    return NULL;
  }
  CHECK(napi_get_boolean(env, nl_isa_select(name), &result));
  return result;
}

/* fmaPeak(iterations) -> FLOPs done by a register-only FMA loop with the
 * widest ISA available (time it from JS to get the core's peak). */
static napi_value js_fma_peak(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  long iters;
  if (argc < 1 || !get_index(env, argv[0], &iters, "fmaPeak", "iterations")) return NULL;
  double flops = nl_cpu_has_avx512() ? nl_fma_peak_avx512(iters) : nl_cpu_has_avx2() ? nl_fma_peak_avx2(iters) : 0;
  CHECK(napi_create_double(env, flops, &result));
  return result;
}

static int get_bool(napi_env env, napi_value v, bool *out, const char *fn, const char *name) {
  if (napi_get_value_bool(env, v, out) != napi_ok) {
    char buf[160];
    snprintf(buf, sizeof buf, "%s: %s must be a boolean", fn, name);
    napi_throw_type_error(env, NULL, buf);
    return 0;
  }
  return 1;
}

/* Arrays of one update must all have the parameter's length. */
static int same_length(napi_env env, const char *fn, const char *name, size_t got, size_t want) {
  if (got == want) return 1;
  char buf[200];
  snprintf(buf, sizeof buf, "%s: %s has %zu elements, the parameter has %zu", fn, name, got, want);
  napi_throw_range_error(env, NULL, buf);
  return 0;
}

/* Optional trailing out-argument of the optimizer steps: a Float64Array of at
 * least 2 elements for the squared norms (undefined/null/absent: none). */
static int get_norms_out(napi_env env, size_t argc, size_t at, napi_value *argv, double **out, const char *fn) {
  *out = NULL;
  if (argc <= at) return 1;
  napi_valuetype t;
  if (napi_typeof(env, argv[at], &t) != napi_ok) return 0;
  if (t == napi_undefined || t == napi_null) return 1;
  bool is_ta = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, argv[at], &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, argv[at], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_float64_array || length < 2) {
    char buf[160];
    snprintf(buf, sizeof buf, "%s: norms must be a Float64Array of 2 elements", fn);
    napi_throw_type_error(env, NULL, buf);
    return 0;
  }
  *out = (double *)data;
  return 1;
}

/* sgdStep(p, g, buf, lr, momentum, dampening, weightDecay, nesterov, first) */
static napi_value js_sgd(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "sgdStep";
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 9) return range_error(env, fn, "expected 9 arguments");
  f32view p, g, b;
  float lr, mom, damp, wd;
  bool nesterov, first;
  if (!get_f32(env, argv[0], &p, fn, "p") || !get_f32(env, argv[1], &g, fn, "g") ||
      !get_f32(env, argv[2], &b, fn, "buf") || !get_float(env, argv[3], &lr, fn, "lr") ||
      !get_float(env, argv[4], &mom, fn, "momentum") || !get_float(env, argv[5], &damp, fn, "dampening") ||
      !get_float(env, argv[6], &wd, fn, "weightDecay") || !get_bool(env, argv[7], &nesterov, fn, "nesterov") ||
      !get_bool(env, argv[8], &first, fn, "first"))
    return NULL;
  if (!same_length(env, fn, "g", g.length, p.length)) return NULL;
  if (mom != 0.0f && !same_length(env, fn, "buf", b.length, p.length)) return NULL;
  double *ss;
  if (!get_norms_out(env, argc, 9, argv, &ss, fn)) return NULL;
  if (ss) nl_sgd_norms(p.data, g.data, b.data, (long)p.length, lr, mom, damp, wd, nesterov, first, ss);
  else nl_sgd(p.data, g.data, b.data, (long)p.length, lr, mom, damp, wd, nesterov, first);
  return NULL;
}

/* adamStep(p, g, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, step) */
static napi_value js_adam(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "adamStep";
  size_t argc = 12;
  napi_value argv[12];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 11) return range_error(env, fn, "expected 11 arguments");
  f32view p, g, m, v;
  float lr, b1, b2, eps, wd;
  bool decoupled;
  double step;
  if (!get_f32(env, argv[0], &p, fn, "p") || !get_f32(env, argv[1], &g, fn, "g") ||
      !get_f32(env, argv[2], &m, fn, "m") || !get_f32(env, argv[3], &v, fn, "v") ||
      !get_float(env, argv[4], &lr, fn, "lr") || !get_float(env, argv[5], &b1, fn, "beta1") ||
      !get_float(env, argv[6], &b2, fn, "beta2") || !get_float(env, argv[7], &eps, fn, "eps") ||
      !get_float(env, argv[8], &wd, fn, "weightDecay") || !get_bool(env, argv[9], &decoupled, fn, "decoupled"))
    return NULL;
  if (napi_get_value_double(env, argv[10], &step) != napi_ok || !(step >= 1)) return range_error(env, fn, "step must be >= 1");
  if (!same_length(env, fn, "g", g.length, p.length) || !same_length(env, fn, "m", m.length, p.length) ||
      !same_length(env, fn, "v", v.length, p.length))
    return NULL;
  double *ss;
  if (!get_norms_out(env, argc, 11, argv, &ss, fn)) return NULL;
  if (ss) nl_adam_norms(p.data, g.data, m.data, v.data, (long)p.length, lr, b1, b2, eps, wd, decoupled, step, ss);
  else nl_adam(p.data, g.data, m.data, v.data, (long)p.length, lr, b1, b2, eps, wd, decoupled, step);
  return NULL;
}

/* fn(x) -> a number, for the bindings that read one Float32Array */
static napi_value one_f32_to_number(napi_env env, napi_callback_info cbinfo, const char *fn, double (*f)(const float *, long)) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  f32view x;
  if (argc < 1 || !get_f32(env, argv[0], &x, fn, "x")) return NULL;
  CHECK(napi_create_double(env, f(x.data, (long)x.length), &result));
  return result;
}

/* sumSquares(x) -> sum of x[i]^2 accumulated in float64 */
static napi_value js_sumsq(napi_env env, napi_callback_info cbinfo) { return one_f32_to_number(env, cbinfo, "sumSquares", nl_sumsq); }

/* firstNonFinite(x) -> index of the first NaN or infinity, or -1 */
static double first_nonfinite(const float *x, long n) { return (double)nl_first_nonfinite(x, n); }
static napi_value js_first_nonfinite(napi_env env, napi_callback_info cbinfo) { return one_f32_to_number(env, cbinfo, "firstNonFinite", first_nonfinite); }

/* gatherRows(src, idx: Uint32Array, row, dst): dst row i = src row idx[i] (every index checked) */
static napi_value js_gather_rows(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  f32view src, dst;
  long row;
  if (argc < 4 || !get_f32(env, argv[0], &src, "gatherRows", "src") || !get_index(env, argv[2], &row, "gatherRows", "row") ||
      !get_f32(env, argv[3], &dst, "gatherRows", "dst")) return NULL;
  napi_typedarray_type type;
  size_t n;
  void *data;
  bool is_ta = false;
  if (napi_is_typedarray(env, argv[1], &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, argv[1], &type, &n, &data, NULL, NULL) != napi_ok || type != napi_uint32_array) {
    napi_throw_type_error(env, NULL, "gatherRows: idx must be a Uint32Array");
    return NULL;
  }
  const unsigned int *idx = (const unsigned int *)data;
  if ((size_t)row * n > dst.length) return range_error(env, "gatherRows", "dst is shorter than idx.length * row");
  for (size_t i = 0; i < n; i++)
    if (((size_t)idx[i] + 1) * (size_t)row > src.length) return range_error(env, "gatherRows", "an index is past the end of src");
  nl_gather_rows(src.data, idx, (long)n, row, dst.data);
  return NULL;
}

/* biasAct(C, cOff, M, N, ldc, bias | null, relu) */
static napi_value js_bias_act(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "biasAct";
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 7) return range_error(env, fn, "expected 7 arguments");
  f32view C, bias = { NULL, 0 };
  long cOff, M, N, ldc;
  bool relu;
  napi_valuetype bt;
  CHECK(napi_typeof(env, argv[5], &bt));
  if (!get_f32(env, argv[0], &C, fn, "C") || !get_index(env, argv[1], &cOff, fn, "cOff") ||
      !get_index(env, argv[2], &M, fn, "M") || !get_index(env, argv[3], &N, fn, "N") ||
      !get_index(env, argv[4], &ldc, fn, "ldc") ||
      (bt != napi_null && bt != napi_undefined && !get_f32(env, argv[5], &bias, fn, "bias")) ||
      !get_bool(env, argv[6], &relu, fn, "relu"))
    return NULL;
  const char *err = check_view(C.length, cOff, M, N, ldc);
  if (err) return range_error(env, "biasAct: C", err);
  if (bias.data && (long)bias.length < N) return range_error(env, fn, "bias is shorter than N");
  nl_bias_act(C.data + cOff, M, N, ldc, bias.data, relu);
  return NULL;
}

/* reluGrad(dy, y, dx): dx = y > 0 ? dy : 0, all the same length */
static napi_value js_relu_grad(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "reluGrad";
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 3) return range_error(env, fn, "expected 3 arguments");
  f32view dy, y, dx;
  if (!get_f32(env, argv[0], &dy, fn, "dy") || !get_f32(env, argv[1], &y, fn, "y") || !get_f32(env, argv[2], &dx, fn, "dx")) return NULL;
  if (!same_length(env, fn, "y", y.length, dy.length) || !same_length(env, fn, "dx", dx.length, dy.length)) return NULL;
  nl_relu_grad(dy.data, y.data, dx.data, (long)dy.length);
  return NULL;
}

/* colSums(A, aOff, M, N, lda, out, beta): out[j] = beta*out[j] + sum_i A[i, j] */
static napi_value js_col_sums(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "colSums";
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 7) return range_error(env, fn, "expected 7 arguments");
  f32view A, out;
  long aOff, M, N, lda;
  float beta;
  if (!get_f32(env, argv[0], &A, fn, "A") || !get_index(env, argv[1], &aOff, fn, "aOff") ||
      !get_index(env, argv[2], &M, fn, "M") || !get_index(env, argv[3], &N, fn, "N") ||
      !get_index(env, argv[4], &lda, fn, "lda") || !get_f32(env, argv[5], &out, fn, "out") ||
      !get_float(env, argv[6], &beta, fn, "beta"))
    return NULL;
  const char *err = check_view(A.length, aOff, M, N, lda);
  if (err) return range_error(env, "colSums: A", err);
  if ((long)out.length < N) return range_error(env, fn, "out is shorter than N");
  nl_col_sums(A.data + aOff, M, N, lda, out.data, beta);
  return NULL;
}

typedef struct { double *data; size_t length; } f64view;

static int get_f64(napi_env env, napi_value v, f64view *out, const char *fn, const char *name) {
  bool is_ta = false;
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_is_typedarray(env, v, &is_ta) == napi_ok && is_ta &&
      napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) == napi_ok && type == napi_float64_array) {
    out->data = (double *)data;
    out->length = length;
    return 1;
  }
  char buf[160];
  snprintf(buf, sizeof buf, "%s: %s must be a Float64Array", fn, name);
  napi_throw_type_error(env, NULL, buf);
  return 0;
}

/* maxPool2d(x, NC, H, W, OH, OW, kh, kw, sh, sw, y, idx): no padding, no dilation */
static napi_value js_maxpool2d(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "maxPool2d";
  static const char *names[9] = { "NC", "H", "W", "OH", "OW", "kh", "kw", "sh", "sw" };
  size_t argc = 12;
  napi_value argv[12];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 12) return range_error(env, fn, "expected 12 arguments");
  f32view x, y;
  f64view idx;
  long d[9];
  if (!get_f32(env, argv[0], &x, fn, "x")) return NULL;
  for (int i = 0; i < 9; i++) if (!get_index(env, argv[1 + i], &d[i], fn, names[i])) return NULL;
  if (!get_f32(env, argv[10], &y, fn, "y") || !get_f64(env, argv[11], &idx, fn, "idx")) return NULL;
  const long NC = d[0], H = d[1], W = d[2], OH = d[3], OW = d[4], kh = d[5], kw = d[6], sh = d[7], sw = d[8];
  if (NC == 0 || OH == 0 || OW == 0) return NULL;
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1) return range_error(env, fn, "kernel and strides must be >= 1");
  if ((OH - 1) * sh + kh > H || (OW - 1) * sw + kw > W) return range_error(env, fn, "a window runs past the image");
  if ((double)NC * H * W > (double)x.length) return range_error(env, fn, "x is too short");
  if ((double)NC * OH * OW > (double)y.length || (double)NC * OH * OW > (double)idx.length) return range_error(env, fn, "y or idx is too short");
  nl_maxpool2d(x.data, NC, H, W, OH, OW, kh, kw, sh, sw, y.data, idx.data);
  return NULL;
}

/* scatterAdd(src, idx, dst): dst[idx[i]] += src[i]; every index is checked */
static napi_value js_scatter_add(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "scatterAdd";
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 3) return range_error(env, fn, "expected 3 arguments");
  f32view src, dst;
  f64view idx;
  if (!get_f32(env, argv[0], &src, fn, "src") || !get_f64(env, argv[1], &idx, fn, "idx") || !get_f32(env, argv[2], &dst, fn, "dst")) return NULL;
  if (!same_length(env, fn, "idx", idx.length, src.length)) return NULL;
  const double lim = (double)dst.length;
  for (size_t i = 0; i < idx.length; i++) {
    const double k = idx.data[i];
    if (!(k >= 0 && k < lim) || k != floor(k)) return range_error(env, fn, "an index is outside dst");
  }
  nl_scatter_add(src.data, idx.data, (long)src.length, dst.data);
  return NULL;
}

/* scatterAddPlanes(src, idx, planes, per, perDst, dst): dst = 0, dst[idx[i]] += src[i]; plane k
 * of src (per values) must point into plane k of dst (perDst values): RangeError otherwise. */
static napi_value js_scatter_add_planes(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "scatterAddPlanes";
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 6) return range_error(env, fn, "expected 6 arguments");
  f32view src, dst;
  f64view idx;
  long planes, per, per_dst;
  if (!get_f32(env, argv[0], &src, fn, "src") || !get_f64(env, argv[1], &idx, fn, "idx") || !get_index(env, argv[2], &planes, fn, "planes") ||
      !get_index(env, argv[3], &per, fn, "per") || !get_index(env, argv[4], &per_dst, fn, "perDst") || !get_f32(env, argv[5], &dst, fn, "dst"))
    return NULL;
  if (!same_length(env, fn, "idx", idx.length, src.length)) return NULL;
  if ((double)planes * per != (double)src.length || (double)planes * per_dst > (double)dst.length)
    return range_error(env, fn, "array lengths do not match planes");
  /* each index is checked by the thread that scatters its plane, before it writes */
  if (nl_scatter_add_planes(src.data, idx.data, planes, per, per_dst, dst.data) >= 0)
    return range_error(env, fn, "an index is outside its plane of dst");
  return NULL;
}

/* channelSums(x, N, C, P, out): out[c] = sum over n, p of x[n, c, p] */
static napi_value js_channel_sums(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "channelSums";
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 5) return range_error(env, fn, "expected 5 arguments");
  f32view x, out;
  long N, C, P;
  if (!get_f32(env, argv[0], &x, fn, "x") || !get_index(env, argv[1], &N, fn, "N") || !get_index(env, argv[2], &C, fn, "C") ||
      !get_index(env, argv[3], &P, fn, "P") || !get_f32(env, argv[4], &out, fn, "out"))
    return NULL;
  if ((double)N * C * P > (double)x.length) return range_error(env, fn, "x is shorter than N*C*P");
  if ((long)out.length < C) return range_error(env, fn, "out is shorter than C");
  nl_channel_sums(x.data, N, C, P, out.data);
  return NULL;
}

/* The direct convolution's geometry (stride 1, no padding): the kernel fits the H x W image and
 * each array holds its part, named as the binding names it: the image side (N*C*H*W), the
 * weights (M*C*kh*kw) and the output side (N*M*OH*OW). Throws a RangeError and returns 0 otherwise. */
static int check_direct_conv(napi_env env, const char *fn, long N, long C, long H, long W, long M, long kh, long kw,
                             const char *img, size_t imgLen, const char *wts, size_t wLen, const char *out, size_t outLen) {
  char msg[96];
  if (kh < 1 || kw < 1 || kh > H || kw > W) { range_error(env, fn, "the kernel must fit in the image"); return 0; }
  const double OH = (double)(H - kh + 1), OW = (double)(W - kw + 1);
  if ((double)N * C * H * W > (double)imgLen) { snprintf(msg, sizeof msg, "%s is shorter than N*C*H*W", img); range_error(env, fn, msg); return 0; }
  if ((double)M * C * kh * kw > (double)wLen) { snprintf(msg, sizeof msg, "%s is shorter than M*C*kh*kw", wts); range_error(env, fn, msg); return 0; }
  if ((double)N * M * OH * OW > (double)outLen) { snprintf(msg, sizeof msg, "%s is shorter than N*M*OH*OW", out); range_error(env, fn, msg); return 0; }
  return 1;
}

/* convDirect(x, N, C, H, W, w, M, kh, kw, bias | null, relu, y) -> whether it ran (stride 1, no
 * padding; false when the CPU lacks AVX-512: the caller then takes the im2col path). */
static napi_value js_conv_direct(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "convDirect";
  size_t argc = 12;
  napi_value argv[12];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 12) return range_error(env, fn, "expected 12 arguments");
  f32view x, w, y, bias = { NULL, 0 };
  long N, C, H, W, M, kh, kw;
  bool relu = false;
  napi_valuetype bt;
  CHECK(napi_typeof(env, argv[9], &bt));
  if (!get_f32(env, argv[0], &x, fn, "x") || !get_index(env, argv[1], &N, fn, "N") || !get_index(env, argv[2], &C, fn, "C") ||
      !get_index(env, argv[3], &H, fn, "H") || !get_index(env, argv[4], &W, fn, "W") || !get_f32(env, argv[5], &w, fn, "w") ||
      !get_index(env, argv[6], &M, fn, "M") || !get_index(env, argv[7], &kh, fn, "kh") || !get_index(env, argv[8], &kw, fn, "kw") ||
      (bt != napi_null && bt != napi_undefined && !get_f32(env, argv[9], &bias, fn, "bias")) ||
      !get_bool(env, argv[10], &relu, fn, "relu") || !get_f32(env, argv[11], &y, fn, "y"))
    return NULL;
  if (!check_direct_conv(env, fn, N, C, H, W, M, kh, kw, "x", x.length, "w", w.length, "y", y.length)) return NULL;
  if (bias.data && (long)bias.length < M) return range_error(env, fn, "bias is shorter than M");
  napi_value out;
  CHECK(napi_get_boolean(env, nl_conv2d_direct(x.data, N, C, H, W, w.data, M, kh, kw, bias.data, relu, y.data) != 0, &out));
  return out;
}

/* convDirectFilter(x, N, C, H, W, dy, M, kh, kw, dw) -> whether it ran: the filter gradient of convDirect. */
static napi_value js_conv_direct_filter(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "convDirectFilter";
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 10) return range_error(env, fn, "expected 10 arguments");
  f32view x, dy, dw;
  long N, C, H, W, M, kh, kw;
  if (!get_f32(env, argv[0], &x, fn, "x") || !get_index(env, argv[1], &N, fn, "N") || !get_index(env, argv[2], &C, fn, "C") ||
      !get_index(env, argv[3], &H, fn, "H") || !get_index(env, argv[4], &W, fn, "W") || !get_f32(env, argv[5], &dy, fn, "dy") ||
      !get_index(env, argv[6], &M, fn, "M") || !get_index(env, argv[7], &kh, fn, "kh") || !get_index(env, argv[8], &kw, fn, "kw") ||
      !get_f32(env, argv[9], &dw, fn, "dw"))
    return NULL;
  if (!check_direct_conv(env, fn, N, C, H, W, M, kh, kw, "x", x.length, "dw", dw.length, "dy", dy.length)) return NULL;
  napi_value out;
  CHECK(napi_get_boolean(env, nl_conv2d_direct_filter(x.data, N, C, H, W, dy.data, M, kh, kw, dw.data) != 0, &out));
  return out;
}

/* softmaxXent(z, labels, N, C, g, out) -> -1, the first row with a label outside [0, C), or -2 (no memory) */
static napi_value js_softmax_xent(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "softmaxXent";
  size_t argc = 6;
  napi_value argv[6], result;
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 6) return range_error(env, fn, "expected 6 arguments");
  f32view z, g;
  f64view labels, out;
  long N, C;
  if (!get_f32(env, argv[0], &z, fn, "z") || !get_f64(env, argv[1], &labels, fn, "labels") || !get_index(env, argv[2], &N, fn, "N") ||
      !get_index(env, argv[3], &C, fn, "C") || !get_f32(env, argv[4], &g, fn, "g") || !get_f64(env, argv[5], &out, fn, "out"))
    return NULL;
  if ((double)N * C > (double)z.length || (double)N * C > (double)g.length) return range_error(env, fn, "z or g is shorter than N*C");
  if ((long)labels.length < N || out.length < 2) return range_error(env, fn, "labels shorter than N or out shorter than 2");
  CHECK(napi_create_double(env, (double)nl_softmax_xent(z.data, labels.data, N, C, g.data, out.data), &result));
  return result;
}

/* convDirectInput(dy, N, M, OH, OW, w, C, kh, kw, dx) -> whether it ran: the input gradient of convDirect. */
static napi_value js_conv_direct_input(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "convDirectInput";
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 10) return range_error(env, fn, "expected 10 arguments");
  f32view dy, w, dx;
  long N, M, OH, OW, C, kh, kw;
  if (!get_f32(env, argv[0], &dy, fn, "dy") || !get_index(env, argv[1], &N, fn, "N") || !get_index(env, argv[2], &M, fn, "M") ||
      !get_index(env, argv[3], &OH, fn, "OH") || !get_index(env, argv[4], &OW, fn, "OW") || !get_f32(env, argv[5], &w, fn, "w") ||
      !get_index(env, argv[6], &C, fn, "C") || !get_index(env, argv[7], &kh, fn, "kh") || !get_index(env, argv[8], &kw, fn, "kw") ||
      !get_f32(env, argv[9], &dx, fn, "dx"))
    return NULL;
  if (!check_direct_conv(env, fn, N, C, OH + kh - 1, OW + kw - 1, M, kh, kw, "dx", dx.length, "w", w.length, "dy", dy.length)) return NULL;
  napi_value out;
  CHECK(napi_get_boolean(env, nl_conv2d_direct_input(dy.data, N, M, OH, OW, w.data, C, kh, kw, dx.data) != 0, &out));
  return out;
}

/* swapAxes01(src, A, B, P, dst[, bias, relu]): dst[b, a, p] = src[a, b, p] (+ bias[a], then ReLU) */
static napi_value js_swap_axes01(napi_env env, napi_callback_info cbinfo) {
  static const char *fn = "swapAxes01";
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  if (argc < 5) return range_error(env, fn, "expected 5 to 7 arguments");
  f32view src, dst, bias = { NULL, 0 };
  long A, B, P;
  bool relu = false;
  napi_valuetype bt = napi_undefined, rt = napi_undefined;
  if (argc > 5) CHECK(napi_typeof(env, argv[5], &bt));
  if (argc > 6) CHECK(napi_typeof(env, argv[6], &rt));
  if (!get_f32(env, argv[0], &src, fn, "src") || !get_index(env, argv[1], &A, fn, "A") || !get_index(env, argv[2], &B, fn, "B") ||
      !get_index(env, argv[3], &P, fn, "P") || !get_f32(env, argv[4], &dst, fn, "dst") ||
      (bt != napi_null && bt != napi_undefined && !get_f32(env, argv[5], &bias, fn, "bias")) ||
      (rt != napi_undefined && !get_bool(env, argv[6], &relu, fn, "relu")))
    return NULL;
  if (bias.data && (long)bias.length < A) return range_error(env, fn, "bias is shorter than A");
  const double n = (double)A * B * P;
  if (n > (double)src.length || n > (double)dst.length) return range_error(env, fn, "src or dst is shorter than A*B*P");
  if (src.data == dst.data && n > 0) return range_error(env, fn, "src and dst must not be the same array");
  nl_swap_axes01(src.data, A, B, P, dst.data, bias.data, relu);
  return NULL;
}

static void set_prop(napi_env env, napi_value obj, const char *key, napi_value v) {
  napi_set_named_property(env, obj, key, v);
}

static napi_value js_info(napi_env env, napi_callback_info cbinfo) {
  (void)cbinfo;
  const nl_isa *isa = nl_isa_selected();
  napi_value obj, v;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_string_utf8(env, isa->name, NAPI_AUTO_LENGTH, &v)); set_prop(env, obj, "isa", v);
  CHECK(napi_get_boolean(env, nl_cpu_has_avx512(), &v)); set_prop(env, obj, "avx512", v);
  CHECK(napi_get_boolean(env, nl_cpu_has_avx2(), &v)); set_prop(env, obj, "avx2", v);
  CHECK(napi_create_int32(env, nl_pool_threads(), &v)); set_prop(env, obj, "threads", v);
  CHECK(napi_create_int32(env, isa->MR, &v)); set_prop(env, obj, "mr", v);
  CHECK(napi_create_int32(env, isa->NR, &v)); set_prop(env, obj, "nr", v);
  CHECK(napi_create_int32(env, 8, &v)); set_prop(env, obj, "abiVersion", v);
  return obj;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    { "sgemm", NULL, js_sgemm, NULL, NULL, NULL, napi_enumerable, NULL },
    { "im2col", NULL, js_im2col, NULL, NULL, NULL, napi_enumerable, NULL },
    { "col2im", NULL, js_col2im, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setIsa", NULL, js_set_isa, NULL, NULL, NULL, napi_enumerable, NULL },
    { "sgdStep", NULL, js_sgd, NULL, NULL, NULL, napi_enumerable, NULL },
    { "adamStep", NULL, js_adam, NULL, NULL, NULL, napi_enumerable, NULL },
    { "biasAct", NULL, js_bias_act, NULL, NULL, NULL, napi_enumerable, NULL },
    { "reluGrad", NULL, js_relu_grad, NULL, NULL, NULL, napi_enumerable, NULL },
    { "colSums", NULL, js_col_sums, NULL, NULL, NULL, napi_enumerable, NULL },
    { "swapAxes01", NULL, js_swap_axes01, NULL, NULL, NULL, napi_enumerable, NULL },
    { "maxPool2d", NULL, js_maxpool2d, NULL, NULL, NULL, napi_enumerable, NULL },
    { "scatterAdd", NULL, js_scatter_add, NULL, NULL, NULL, napi_enumerable, NULL },
    { "scatterAddPlanes", NULL, js_scatter_add_planes, NULL, NULL, NULL, napi_enumerable, NULL },
    { "channelSums", NULL, js_channel_sums, NULL, NULL, NULL, napi_enumerable, NULL },
    { "convDirect", NULL, js_conv_direct, NULL, NULL, NULL, napi_enumerable, NULL },
    { "softmaxXent", NULL, js_softmax_xent, NULL, NULL, NULL, napi_enumerable, NULL },
    { "convDirectFilter", NULL, js_conv_direct_filter, NULL, NULL, NULL, napi_enumerable, NULL },
    { "convDirectInput", NULL, js_conv_direct_input, NULL, NULL, NULL, napi_enumerable, NULL },
    { "sumSquares", NULL, js_sumsq, NULL, NULL, NULL, napi_enumerable, NULL },
    { "firstNonFinite", NULL, js_first_nonfinite, NULL, NULL, NULL, napi_enumerable, NULL },
    { "gatherRows", NULL, js_gather_rows, NULL, NULL, NULL, napi_enumerable, NULL },
    { "fmaPeak", NULL, js_fma_peak, NULL, NULL, NULL, napi_enumerable, NULL },
    { "info", NULL, js_info, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
