/* Single-precision GEMM for the Neural Lens training engine.
 *
 * Row-major: C = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T.
 * The driver (sgemm.c) blocks and packs; each ISA file supplies a micro-kernel
 * and is compiled with per-function target attributes, so the addon is built
 * without -march flags and chooses its kernel at run time. */
#ifndef NL_SGEMM_H
#define NL_SGEMM_H

#include <stddef.h>

typedef struct {
  int transA, transB;
  long M, N, K;
  float alpha, beta;
  const float *A; long lda;
  const float *B; long ldb;
  float *C; long ldc;
  /* Epilogue, applied by the thread that computed each part of C while it is in its cache:
   * C[i, j] += bias[j] (bias may be NULL), then max(C, 0) if relu. */
  const float *bias; int relu;
} nl_gemm_args;

/* Micro-kernel: C[0:mr, 0:nr] = beta * C + sum_p Ap[p] (x) Bp[p], where Ap is a
 * packed MR x kc panel (MR floats per p) and Bp a packed kc x NR panel (NR
 * floats per p). Ap already carries alpha. beta == 0 means C is not read. */
typedef void (*nl_ukernel_fn)(long kc, const float *Ap, const float *Bp,
                              float *C, long ldc, float beta, int mr, int nr);
/* Packs the B block B(p0:p0+kc, j0:j0+nc) into NR-wide panels, zero-padded. */
typedef void (*nl_packb_fn)(const nl_gemm_args *g, long p0, long kc, long j0, long nc,
                            float *dst, int NR);

/* Packs the A block A(i0:i0+mc, p0:p0+kc) into MR-tall panels scaled by alpha, zero-padded. */
typedef void (*nl_packa_fn)(const nl_gemm_args *g, long i0, long mc, long p0, long kc, float *dst, int MR);

/* Micro-kernel reading B unpacked: row p of the kc x nr tile at Bs + p * ldb
 * (only nr columns are read). Used when each B panel would be used once. */
typedef void (*nl_ukernel_strided_fn)(long kc, const float *Ap, const float *Bs, long ldb,
                                      float *C, long ldc, float beta, int mr, int nr);

/* Micro-kernel reading A in place, A(i, p) at A[i * ars + p * acs] (alpha must be 1). */
typedef void (*nl_ukernel_ua_fn)(long kc, const float *A, long ars, long acs, const float *Bp,
                                 float *C, long ldc, float beta, int mr, int nr);

typedef struct {
  const char *name;  /* "avx512", "avx2", "generic" */
  int MR, NR;        /* micro-tile */
  int KC, MC, NC;    /* cache blocking */
  nl_ukernel_fn kernel;
  nl_packb_fn packB; /* NULL: use the portable packer */
  nl_packa_fn packA; /* NULL: use the portable packer */
  nl_ukernel_strided_fn kernelStrided; /* NULL: always pack B */
  nl_ukernel_ua_fn kernelUA;           /* NULL: always pack A */
  int aInL1;         /* loop over B panels inside A micro-panels, B block sized to half of L2 */
} nl_isa;

extern const nl_isa nl_isa_avx512;
extern const nl_isa nl_isa_avx2;
extern const nl_isa nl_isa_generic;

/* 1 if the running CPU (and OS) supports the ISA. */
int nl_cpu_has_avx512(void);
int nl_cpu_has_avx2(void);

const nl_isa *nl_isa_selected(void);

/* A * B^T by dot products for small outputs with long K (sgemm_avx512.c). */
void nl_gemm_nt_dot_avx512(const nl_gemm_args *g, long m0, long m1, long n0, long n1);

/* Register-only FMA loops for measuring a core's peak; return FLOPs done. */
double nl_fma_peak_avx512(long iters);
double nl_fma_peak_avx2(long iters);
/* Force an ISA by name ("avx512" | "avx2" | "generic"); returns 0 if unsupported. */
int nl_isa_select(const char *name);

/* Runs the GEMM (arguments already validated), using up to nl_pool_threads() threads. */
void nl_sgemm(const nl_gemm_args *g);

/* Portable packers, also used by the ISA files for the easy layouts. */
void nl_pack_a(const nl_gemm_args *g, long i0, long mc, long p0, long kc, float *dst, int MR);
void nl_pack_b_generic(const nl_gemm_args *g, long p0, long kc, long j0, long nc, float *dst, int NR);

/* Thread pool (pool.c): runs fn(ctx, c) for every chunk c in [0, nchunks)
 * on up to nthreads threads (the caller included); returns when all are
 * done. Runs serially when the pool is busy (e.g. called from two
 * worker_threads at once). */
typedef void (*nl_chunk_fn)(void *ctx, int chunk);
void nl_pool_run(nl_chunk_fn fn, void *ctx, int nchunks, int nthreads);
int nl_pool_threads(void);
void nl_pool_set_threads(int n);

/* im2col / col2im for one NCHW image (im2col.c); col rows are ld apart. */
void nl_im2col(const float *x, long C, long H, long W, long kh, long kw,
               long sh, long sw, long ph, long pw, long dh, long dw,
               long OH, long OW, float *col, long ld);
void nl_col2im(const float *col, long C, long H, long W, long kh, long kw,
               long sh, long sw, long ph, long pw, long dh, long dw,
               long OH, long OW, float *x, long ld);

/* Fused training helpers (fused.c). */
void nl_sgd(float *p, const float *g, float *buf, long n, float lr, float momentum, float dampening,
            float wd, int nesterov, int first);
void nl_adam(float *p, const float *g, float *m, float *v, long n, float lr, float beta1, float beta2,
             float eps, float wd, int decoupled, double step);
double nl_sumsq(const float *x, long n);
/* Rows idx[0..n) of src (row floats each) into dst, one after another. */
void nl_gather_rows(const float *src, const unsigned int *idx, long n, long row, float *dst);
/* Index of the first NaN or ±Inf in x, or -1. */
long nl_first_nonfinite(const float *x, long n);
/* The same steps, also writing ss[0] = sum of g^2 and ss[1] = sum of the updated p^2 (float64). */
void nl_sgd_norms(float *p, const float *g, float *buf, long n, float lr, float momentum, float dampening,
                  float wd, int nesterov, int first, double *ss);
void nl_adam_norms(float *p, const float *g, float *m, float *v, long n, float lr, float beta1, float beta2,
                   float eps, float wd, int decoupled, double step, double *ss);
void nl_bias_act(float *C, long M, long N, long ldc, const float *bias, int relu);
/* nl_bias_act on the calling thread only (the GEMM epilogue of one thread's part of C). */
void nl_bias_act_serial(float *C, long M, long N, long ldc, const float *bias, int relu);
void nl_relu_grad(const float *dy, const float *y, float *dx, long n);
void nl_col_sums(const float *A, long M, long N, long lda, float *out, float beta);
void nl_unfold_batch(int fold, const float *src, float *dst, long count, long C, long H, long W, long kh, long kw,
                     long sh, long sw, long ph, long pw, long dh, long dw, long OH, long OW, long ld);
void nl_swap_axes01(const float *src, long A, long B, long P, float *dst, const float *bias, int relu);
void nl_maxpool2d(const float *x, long NC, long H, long W, long OH, long OW, long kh, long kw, long sh, long sw,
                  float *y, double *idx);
void nl_scatter_add(const float *src, const double *idx, long n, float *dst);
long nl_scatter_add_planes(const float *src, const double *idx, long planes, long per, long per_dst, float *dst);
void nl_channel_sums(const float *x, long N, long C, long P, float *out);
long nl_softmax_xent(const float *z, const double *labels, long N, long C, float *g, double *out);
/* Direct stride-1 unpadded 2-D convolution to NCHW with bias and ReLU (conv_direct.c); returns 0
 * without touching y when it cannot run here (no AVX-512, no memory). */
int nl_conv2d_direct(const float *x, long N, long C, long H, long W, const float *w, long M, long kh, long kw,
                     const float *bias, int relu, float *y);
/* Its filter gradient dw [M][C][kh][kw] from x and dy [N][M][OH][OW] (kw 3 or 5; returns 0 otherwise). */
int nl_conv2d_direct_filter(const float *x, long N, long C, long H, long W, const float *dy, long M, long kh, long kw, float *dw);
/* Its input gradient dx [N][C][OH+kh-1][OW+kw-1] (written whole) from dy [N][M][OH][OW] and w (kw <= 16). */
int nl_conv2d_direct_input(const float *dy, long N, long M, long OH, long OW, const float *w, long C, long kh, long kw, float *dx);

#endif
