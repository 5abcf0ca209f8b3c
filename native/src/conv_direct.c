/* Direct 2-D convolution (AVX-512) for the small-kernel, stride-1, unpadded
 * convolutions of LeNet-like networks, forward only: y = relu?(conv(x, w) + b),
 * written straight to NCHW.
 *
 * Why not im2col + GEMM here: with few input channels the unfolded matrix is
 * K = C*kh*kw rows (25 for a 1-channel 5x5 conv) by N*OH*OW columns, i.e. the
 * image copied 25 times (3.7 MB for a batch of 64 MNIST digits) and then a
 * GEMM too thin for its micro-tile, plus a transpose back to NCHW. Here each
 * input row segment is loaded once per tap and multiplied into up to 16 output
 * channels held in registers.
 *
 * Lanes: 16 output positions. An output row wider than 8 is cut into segments
 * of 16 (the last one masked); rows of at most 8 are taken two at a time
 * (lanes 0-7: row oy, lanes 8-15: row oy + 1), so an 8x8 map fills whole
 * vectors. Masked lanes are neither read nor written (AVX-512 masked loads do
 * not fault on masked-off elements).
 *
 * Sums run over (ci, ky, kx) in that order in float32 with FMA; the result
 * differs from the GEMM path's in the last bits only (different summation
 * order), as any two BLAS would. */
#include "sgemm.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define NL_T __attribute__((target("avx512f,avx2,fma")))

typedef struct {
  const float *x, *wt, *bias;
  float *y;
  long C, H, W, M, kh, kw, OH, OW;
  int relu;
} conv_ctx;

/* One tile: MB output channels starting at co0 times NV vectors of 16 lanes: NV = 2 takes
 * positions x0 .. x0 + 31 of one row (masks m0, m1), NV = 1 one segment (m0) or, with `pair`,
 * rows oy and oy + 1 of a map at most 8 wide (m0: lanes 0-7, m1: lanes 8-15). wt is
 * [C][kh][kw][M] (channel-last), so a tap's MB weights are adjacent and each broadcast weight
 * feeds NV multiply-adds. */
#define CONV_TILE(MB, NV)                                                                              \
  NL_T static inline __attribute__((always_inline)) void tile_##MB##_##NV(                           \
      const conv_ctx *c, const float *xi, float *yi, long co0, long oy, long x0, int pair,            \
      __mmask16 m0, __mmask16 m1) {                                                                   \
    __m512 acc[MB][NV];                                                                               \
    _Pragma("GCC unroll 16") for (int j = 0; j < MB; j++)                                             \
      _Pragma("GCC unroll 2") for (int v = 0; v < NV; v++) acc[j][v] = _mm512_setzero_ps();           \
    const long W = c->W, kh = c->kh, kw = c->kw, M = c->M;                                            \
    for (long ci = 0; ci < c->C; ci++) {                                                              \
      for (long ky = 0; ky < kh; ky++) {                                                              \
        const float *r0 = xi + (ci * c->H + oy + ky) * W + x0;                                        \
        const float *r1 = r0 + W - 8; /* pair: row oy + 1 + ky, shifted into lanes 8-15 */            \
        const float *wk = c->wt + ((ci * kh + ky) * kw) * M + co0;                                    \
        _Pragma("GCC unroll 4") for (long kx = 0; kx < kw; kx++, wk += M) {                           \
          __m512 in[NV];                                                                              \
          in[0] = _mm512_maskz_loadu_ps(m0, r0 + kx);                                                 \
          if (NV == 2) in[NV - 1] = _mm512_maskz_loadu_ps(m1, r0 + kx + 16);                          \
          else if (pair) in[0] = _mm512_mask_loadu_ps(in[0], m1, r1 + kx);                            \
          _Pragma("GCC unroll 16") for (int j = 0; j < MB; j++) {                                     \
            const __m512 wv = _mm512_set1_ps(wk[j]);                                                  \
            _Pragma("GCC unroll 2") for (int v = 0; v < NV; v++)                                      \
              acc[j][v] = _mm512_fmadd_ps(wv, in[v], acc[j][v]);                                      \
          }                                                                                           \
        }                                                                                             \
      }                                                                                               \
    }                                                                                                 \
    const long P = c->OH * c->OW;                                                                     \
    _Pragma("GCC unroll 16") for (int j = 0; j < MB; j++) {                                           \
      const __m512 bj = _mm512_set1_ps(c->bias ? c->bias[co0 + j] : 0.0f);                            \
      float *o = yi + (co0 + j) * P + oy * c->OW + x0;                                                \
      _Pragma("GCC unroll 2") for (int v = 0; v < NV; v++) {                                          \
        __m512 r = acc[j][v];                                                                         \
        if (c->bias) r = _mm512_add_ps(r, bj);                                                        \
        if (c->relu) r = _mm512_max_ps(r, _mm512_setzero_ps());                                       \
        if (v == 0) _mm512_mask_storeu_ps(o, m0, r);                                                  \
        else _mm512_mask_storeu_ps(o + 16, m1, r);                                                    \
      }                                                                                               \
      if (NV == 1 && pair) {                                                                          \
        __m512 r = acc[j][0];                                                                         \
        if (c->bias) r = _mm512_add_ps(r, bj);                                                        \
        if (c->relu) r = _mm512_max_ps(r, _mm512_setzero_ps());                                       \
        _mm512_mask_storeu_ps(o + c->OW - 8, m1, r);                                                  \
      }                                                                                               \
    }                                                                                                 \
  }

CONV_TILE(16, 1)
CONV_TILE(8, 1)
CONV_TILE(6, 1)
CONV_TILE(4, 1)
CONV_TILE(2, 1)
CONV_TILE(1, 1)
CONV_TILE(12, 2)
CONV_TILE(8, 2)
CONV_TILE(6, 2)
CONV_TILE(4, 2)
CONV_TILE(2, 2)
CONV_TILE(1, 2)

/* Largest block we have a tile for that is at most `left` (NV = 2 tiles hold at most 12). */
static long block_of(long left, int nv) {
  if (left >= 16 && nv == 1) return 16;
  if (left >= 12 && nv == 2) return 12;
  return left >= 8 ? 8 : left >= 6 ? 6 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
}

NL_T static void tile_any(const conv_ctx *c, const float *xi, float *yi, long co0, long mb, int nv, long oy, long x0,
                          int pair, __mmask16 m0, __mmask16 m1) {
#define CASE(MB, NV) case MB: tile_##MB##_##NV(c, xi, yi, co0, oy, x0, pair, m0, m1); return;
  if (nv == 2) {
    switch (mb) { CASE(12, 2) CASE(8, 2) CASE(6, 2) CASE(4, 2) CASE(2, 2) default: tile_1_2(c, xi, yi, co0, oy, x0, pair, m0, m1); return; }
  }
  switch (mb) { CASE(16, 1) CASE(8, 1) CASE(6, 1) CASE(4, 1) CASE(2, 1) default: tile_1_1(c, xi, yi, co0, oy, x0, pair, m0, m1); return; }
#undef CASE
}

static __mmask16 lanes(long n) { return (__mmask16)(n >= 16 ? 0xFFFF : n <= 0 ? 0 : (1u << n) - 1); }

NL_T static void conv_image(const conv_ctx *c, long n) {
  const float *xi = c->x + n * c->C * c->H * c->W;
  float *yi = c->y + n * c->M * c->OH * c->OW;
  const long OW = c->OW, OH = c->OH;
  const int pairs = OW <= 8;
  for (long oy = 0; oy < OH; oy += pairs ? 2 : 1) {
    const int two = pairs && oy + 1 < OH;
    for (long x0 = 0; x0 < OW; x0 += pairs ? OW : 32) {
      /* the last 32-wide step of a row may hold one vector's worth or less */
      const int nv = !pairs && OW - x0 > 16 ? 2 : 1;
      const __mmask16 m0 = pairs ? lanes(OW) : lanes(OW - x0);
      const __mmask16 m1 = pairs ? (__mmask16)(two ? lanes(OW) << 8 : 0) : lanes(OW - x0 - 16);
      for (long co0 = 0; co0 < c->M;) {
        const long mb = block_of(c->M - co0, nv);
        tile_any(c, xi, yi, co0, mb, nv, oy, x0, two, m0, m1);
        co0 += mb;
      }
    }
  }
}

/* Runs image(ctx, n) for n in [0, N), images split over the pool's threads (a few chunks per
 * thread, so a preempted thread holds back little). */
typedef void (*image_fn)(const void *ctx, long n);
typedef struct { image_fn image; const void *ctx; long N, per; } images_job;

static void images_chunk(void *v, int k) {
  const images_job *j = (const images_job *)v;
  const long n0 = (long)k * j->per, n1 = n0 + j->per < j->N ? n0 + j->per : j->N;
  for (long n = n0; n < n1; n++) j->image(j->ctx, n);
}

static void for_each_image(image_fn image, const void *ctx, long N) {
  const int threads = nl_pool_threads();
  const long chunks = threads <= 1 ? 1 : N < 4L * threads ? N : 4L * threads;
  images_job j = { image, ctx, N, (N + chunks - 1) / chunks };
  nl_pool_run(images_chunk, &j, (int)((N + j.per - 1) / j.per), threads);
}

static void conv_image_any(const void *c, long n) { conv_image((const conv_ctx *)c, n); }

int nl_conv2d_direct(const float *x, long N, long C, long H, long W, const float *w, long M, long kh, long kw,
                     const float *bias, int relu, float *y) {
  const long OH = H - kh + 1, OW = W - kw + 1;
  if (!nl_cpu_has_avx512() || OH < 1 || OW < 1 || N < 1 || M < 1 || C < 1) return 0;
  float *wt = (float *)malloc((size_t)(M * C * kh * kw) * sizeof(float));
  if (!wt) return 0;
  /* w [M][C][kh][kw] -> wt [C][kh][kw][M] */
  const long R = C * kh * kw;
  for (long m = 0; m < M; m++)
    for (long r = 0; r < R; r++) wt[r * M + m] = w[m * R + r];
  conv_ctx c = { x, wt, bias, y, C, H, W, M, kh, kw, OH, OW, relu };
  for_each_image(conv_image_any, &c, N);
  free(wt);
  return 1;
}

/* ---- filter gradient: dw[co][ci][ky][kx] = sum_n sum_(oy,ox) dy[n][co][oy][ox] * x[n][ci][oy+ky][ox+kx]
 * A work item is (ci, ky, a block of up to FB output channels): FB x kw vector sums, one lane
 * per output position as in the forward. Images go by in chunks of NB small enough to stay in
 * L1/L2 while every item of a thread's group passes over them (streaming the whole batch once
 * per item would read dy kh*C times from L3); each item's sums wait in `acc` between chunks and
 * are reduced across lanes at the end. Items write disjoint parts of dw and the image order is
 * fixed, so the thread split changes nothing in the result. */
typedef struct {
  const float *x, *dy;
  float *dw, *acc;
  long N, C, H, W, M, kh, kw, OH, OW;
  long mblocks, fb, items, per_group; /* fb: channels per block (<= FB) */
} convf_ctx;

#define FB 4
#define NB 8

#define CONVF_ITEM(MB, KW)                                                                             \
  NL_T static inline __attribute__((always_inline)) void convf_##MB##_##KW(                          \
      const convf_ctx *c, long ci, long ky, long co0, long n0, long n1, float *accp) {                \
    __m512 acc[MB][KW];                                                                                \
    _Pragma("GCC unroll 8") for (int j = 0; j < MB; j++)                                              \
      _Pragma("GCC unroll 8") for (int k = 0; k < KW; k++) acc[j][k] = _mm512_load_ps(accp + (j * KW + k) * 16); \
    const long W = c->W, OW = c->OW, OH = c->OH, P = OH * OW;                                         \
    const int pairs = OW <= 8;                                                                        \
    for (long n = n0; n < n1; n++) {                                                                  \
      const float *xr = c->x + ((n * c->C + ci) * c->H + ky) * W;                                     \
      const float *dn = c->dy + (n * c->M + co0) * P;                                                 \
      for (long oy = 0; oy < OH; oy += pairs ? 2 : 1) {                                               \
        const int two = pairs && oy + 1 < OH;                                                         \
        for (long x0 = 0; x0 < OW; x0 += pairs ? OW : 16) {                                           \
          const __mmask16 m0 = lanes(pairs ? OW : OW - x0);                                           \
          const __mmask16 m1 = two ? (__mmask16)(lanes(OW) << 8) : 0;                                 \
          __m512 d[MB];                                                                               \
          _Pragma("GCC unroll 8") for (int j = 0; j < MB; j++) {                                      \
            const float *q = dn + j * P + oy * OW + x0;                                               \
            if (two && OW == 8) d[j] = _mm512_loadu_ps(q); /* two 8-wide rows are adjacent */          \
            else {                                                                                    \
              d[j] = _mm512_maskz_loadu_ps(m0, q);                                                    \
              if (two) d[j] = _mm512_mask_loadu_ps(d[j], m1, q + OW - 8);                             \
            }                                                                                         \
          }                                                                                           \
          const float *r0 = xr + oy * W + x0, *r1 = r0 + W - 8;                                       \
          _Pragma("GCC unroll 8") for (int k = 0; k < KW; k++) {                                      \
            __m512 v = _mm512_maskz_loadu_ps(m0, r0 + k);                                             \
            if (two) v = _mm512_mask_loadu_ps(v, m1, r1 + k);                                         \
            _Pragma("GCC unroll 8") for (int j = 0; j < MB; j++) acc[j][k] = _mm512_fmadd_ps(d[j], v, acc[j][k]); \
          }                                                                                           \
        }                                                                                             \
      }                                                                                               \
    }                                                                                                 \
    _Pragma("GCC unroll 8") for (int j = 0; j < MB; j++)                                              \
      _Pragma("GCC unroll 8") for (int k = 0; k < KW; k++) _mm512_store_ps(accp + (j * KW + k) * 16, acc[j][k]); \
  }

CONVF_ITEM(4, 5)
CONVF_ITEM(2, 5)
CONVF_ITEM(1, 5)
CONVF_ITEM(4, 3)
CONVF_ITEM(2, 3)
CONVF_ITEM(1, 3)

/* One item over images [n0, n1): blocks of 4, 2 and 1 channels, each with its own sums. */
NL_T static void convf_item(const convf_ctx *c, long item, long n0, long n1) {
  const long b = item % c->mblocks, cky = item / c->mblocks, ci = cky / c->kh, ky = cky % c->kh;
  float *accp = c->acc + item * FB * c->kw * 16;
  for (long co0 = b * c->fb, end = co0 + c->fb < c->M ? co0 + c->fb : c->M; co0 < end;) {
    const long left = end - co0, mb = left >= 4 ? 4 : left >= 2 ? 2 : 1;
    float *a = accp + (co0 - b * c->fb) * c->kw * 16;
    if (c->kw == 5) { if (mb == 4) convf_4_5(c, ci, ky, co0, n0, n1, a); else if (mb == 2) convf_2_5(c, ci, ky, co0, n0, n1, a); else convf_1_5(c, ci, ky, co0, n0, n1, a); }
    else { if (mb == 4) convf_4_3(c, ci, ky, co0, n0, n1, a); else if (mb == 2) convf_2_3(c, ci, ky, co0, n0, n1, a); else convf_1_3(c, ci, ky, co0, n0, n1, a); }
    co0 += mb;
  }
}

NL_T static void convf_group(void *vctx, int g) {
  const convf_ctx *c = (const convf_ctx *)vctx;
  const long i0 = (long)g * c->per_group, i1 = i0 + c->per_group < c->items ? i0 + c->per_group : c->items;
  for (long n0 = 0; n0 < c->N; n0 += NB) {
    const long n1 = n0 + NB < c->N ? n0 + NB : c->N;
    for (long it = i0; it < i1; it++) convf_item(c, it, n0, n1);
  }
  for (long it = i0; it < i1; it++) {
    const long b = it % c->mblocks, cky = it / c->mblocks, ci = cky / c->kh, ky = cky % c->kh;
    for (long j = 0; j < c->fb && b * c->fb + j < c->M; j++)
      for (long k = 0; k < c->kw; k++)
        c->dw[(((b * c->fb + j) * c->C + ci) * c->kh + ky) * c->kw + k] =
            _mm512_reduce_add_ps(_mm512_load_ps(c->acc + ((it * FB + j) * c->kw + k) * 16));
  }
}

int nl_conv2d_direct_filter(const float *x, long N, long C, long H, long W, const float *dy, long M, long kh, long kw, float *dw) {
  const long OH = H - kh + 1, OW = W - kw + 1;
  if (!nl_cpu_has_avx512() || (kw != 5 && kw != 3) || OH < 1 || OW < 1 || N < 1 || M < 1 || C < 1) return 0;
  /* blocks of at most FB channels, as even as possible (M = 6: 3 + 3, not 4 + 2) */
  const long mblocks = (M + FB - 1) / FB, items = C * kh * mblocks, fb = (M + mblocks - 1) / mblocks;
  float *acc = (float *)aligned_alloc(64, (size_t)(items * FB * kw * 16) * sizeof(float));
  if (!acc) return 0;
  for (long i = 0; i < items * FB * kw * 16; i++) acc[i] = 0.0f;
  const int threads = nl_pool_threads();
  /* small item counts (LeNet conv1: 10) go one item per group, which balances best */
  long groups = threads <= 1 ? 1 : items <= 16L * threads ? items : 4L * threads;
  convf_ctx c = { x, dy, dw, acc, N, C, H, W, M, kh, kw, OH, OW, mblocks, fb, items, (items + groups - 1) / groups };
  groups = (items + c.per_group - 1) / c.per_group;
  nl_pool_run(convf_group, &c, (int)groups, threads);
  free(acc);
  return 1;
}

/* ---- input gradient: dx[n][ci][iy][ix] = sum_(co, ky, kx) dy[n][co][iy-ky][ix-kx] * w[co][ci][ky][kx]
 * over the taps that land inside dy. Gather form, one dx row segment of 16 lanes at a time with
 * CB input channels in registers: each (co, ky, kx) loads the dy row shifted by kx (lanes that
 * would fall outside dy masked off) and multiplies it into the CB sums; every dx element is
 * written once (the scatter form's overlapping read-modify-writes stall on store forwarding).
 * Images are split over threads. */
typedef struct {
  const float *dy, *wt; /* wt: [M][kh][kw][C], a tap's weights for CB input channels adjacent */
  float *dx;
  long N, C, H, W, M, kh, kw, OH, OW;
} convi_ctx;

#define CONVI_TILE(CB)                                                                                 \
  NL_T static inline __attribute__((always_inline)) void convi_##CB(                                 \
      const convi_ctx *c, const float *dyn, float *dxn, long ci0, long iy, long x0, __mmask16 mout,    \
      const __mmask16 *mk) {                                                                          \
    __m512 acc[CB];                                                                                   \
    _Pragma("GCC unroll 8") for (int j = 0; j < CB; j++) acc[j] = _mm512_setzero_ps();                \
    const long OH = c->OH, OW = c->OW, kh = c->kh, kw = c->kw, C = c->C;                              \
    const long ky0 = iy - OH + 1 > 0 ? iy - OH + 1 : 0, ky1 = iy < kh - 1 ? iy : kh - 1;              \
    for (long co = 0; co < c->M; co++) {                                                              \
      for (long ky = ky0; ky <= ky1; ky++) {                                                          \
        const float *row = dyn + (co * OH + iy - ky) * OW + x0;                                       \
        const float *wk = c->wt + ((co * kh + ky) * kw) * C + ci0;                                    \
        for (long kx = 0; kx < kw; kx++, wk += C) {                                                   \
          const __m512 v = _mm512_maskz_loadu_ps(mk[kx], row - kx);                                   \
          _Pragma("GCC unroll 8") for (int j = 0; j < CB; j++)                                        \
            acc[j] = _mm512_fmadd_ps(_mm512_set1_ps(wk[j]), v, acc[j]);                               \
        }                                                                                             \
      }                                                                                               \
    }                                                                                                 \
    _Pragma("GCC unroll 8") for (int j = 0; j < CB; j++)                                              \
      _mm512_mask_storeu_ps(dxn + ((ci0 + j) * c->H + iy) * c->W + x0, mout, acc[j]);                 \
  }

CONVI_TILE(8)
CONVI_TILE(6)
CONVI_TILE(4)
CONVI_TILE(2)
CONVI_TILE(1)

NL_T static void convi_image(const convi_ctx *c, long n) {
  const float *dyn = c->dy + n * c->M * c->OH * c->OW;
  float *dxn = c->dx + n * c->C * c->H * c->W;
  __mmask16 mk[16];
  for (long x0 = 0; x0 < c->W; x0 += 16) {
    const __mmask16 mout = lanes(c->W - x0);
    /* lane l reads dy column x0 + l - kx: inside [0, OW) only */
    for (long kx = 0; kx < c->kw; kx++) {
      const long lo = kx - x0, hi = c->OW + kx - x0;
      mk[kx] = (__mmask16)(lanes(hi) & ~lanes(lo) & mout);
    }
    for (long iy = 0; iy < c->H; iy++)
      for (long ci0 = 0; ci0 < c->C;) {
        const long left = c->C - ci0, cb = left >= 8 ? 8 : left >= 6 ? 6 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
        if (cb == 8) convi_8(c, dyn, dxn, ci0, iy, x0, mout, mk);
        else if (cb == 6) convi_6(c, dyn, dxn, ci0, iy, x0, mout, mk);
        else if (cb == 4) convi_4(c, dyn, dxn, ci0, iy, x0, mout, mk);
        else if (cb == 2) convi_2(c, dyn, dxn, ci0, iy, x0, mout, mk);
        else convi_1(c, dyn, dxn, ci0, iy, x0, mout, mk);
        ci0 += cb;
      }
  }
}

static void convi_image_any(const void *c, long n) { convi_image((const convi_ctx *)c, n); }

int nl_conv2d_direct_input(const float *dy, long N, long M, long OH, long OW, const float *w, long C, long kh, long kw, float *dx) {
  if (!nl_cpu_has_avx512() || kw > 16 || OH < 1 || OW < 1 || N < 1 || M < 1 || C < 1 || kh < 1 || kw < 1) return 0;
  float *wt = (float *)malloc((size_t)(M * C * kh * kw) * sizeof(float));
  if (!wt) return 0;
  /* w [M][C][kh][kw] -> wt [M][kh][kw][C] */
  for (long m = 0; m < M; m++)
    for (long ci = 0; ci < C; ci++)
      for (long ky = 0; ky < kh; ky++)
        for (long kx = 0; kx < kw; kx++) wt[((m * kh + ky) * kw + kx) * C + ci] = w[((m * C + ci) * kh + ky) * kw + kx];
  convi_ctx c = { dy, wt, dx, N, C, OH + kh - 1, OW + kw - 1, M, kh, kw, OH, OW };
  for_each_image(convi_image_any, &c, N);
  free(wt);
  return 1;
}

#else
int nl_conv2d_direct(const float *x, long N, long C, long H, long W, const float *w, long M, long kh, long kw,
                     const float *bias, int relu, float *y) {
  (void)x; (void)N; (void)C; (void)H; (void)W; (void)w; (void)M; (void)kh; (void)kw; (void)bias; (void)relu; (void)y;
  return 0;
}
int nl_conv2d_direct_filter(const float *x, long N, long C, long H, long W, const float *dy, long M, long kh, long kw, float *dw) {
  (void)x; (void)N; (void)C; (void)H; (void)W; (void)dy; (void)M; (void)kh; (void)kw; (void)dw;
  return 0;
}
int nl_conv2d_direct_input(const float *dy, long N, long M, long OH, long OW, const float *w, long C, long kh, long kw, float *dx) {
  (void)dy; (void)N; (void)M; (void)OH; (void)OW; (void)w; (void)C; (void)kh; (void)kw; (void)dx;
  return 0;
}
#endif
