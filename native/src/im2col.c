/* im2col / col2im for one NCHW image.
 * col has C*kh*kw rows and OH*OW columns: row (c, ki, kj), column (oh, ow)
 * holds x[c, oh*sh - ph + ki*dh, ow*sw - pw + kj*dw] (0 outside the image).
 * ph/pw are the leading pads; trailing pads are implied by OH/OW. Rows of
 * col are `ld` floats apart (ld >= OH*OW), so a batch can be unfolded side by
 * side into one (C*kh*kw) x (N*OH*OW) matrix for a single GEMM. */
#include "sgemm.h"

#include <string.h>

/* Row pieces are short (OW floats: 24 for LeNet's first layer), where a memcpy
 * call costs more than the copy; fixed-size 32-byte moves inline to vector moves. */
static inline void copy_row(float *restrict d, const float *restrict s, long n) {
  long i = 0;
  for (; i + 8 <= n; i += 8) __builtin_memcpy(d + i, s + i, 32);
  for (; i < n; i++) d[i] = s[i];
}

void nl_im2col(const float *x, long C, long H, long W, long kh, long kw,
               long sh, long sw, long ph, long pw, long dh, long dw,
               long OH, long OW, float *col, long ld) {
  if (sh == 1 && sw == 1 && dh == 1 && dw == 1 && ph == 0 && pw == 0 && OH + kh - 1 <= H && OW + kw - 1 <= W) {
    /* valid, unit stride (LeNet-style): every window inside, rows are plain shifted copies */
    for (long c = 0; c < C; c++) {
      const float *xc = x + c * H * W;
      for (long ki = 0; ki < kh; ki++)
        for (long kj = 0; kj < kw; kj++) {
          float *row = col + ((c * kh + ki) * kw + kj) * ld;
          const float *xr = xc + ki * W + kj;
          for (long oh = 0; oh < OH; oh++) copy_row(row + oh * OW, xr + oh * W, OW);
        }
    }
    return;
  }
  for (long c = 0; c < C; c++) {
    const float *xc = x + c * H * W;
    for (long ki = 0; ki < kh; ki++) {
      for (long kj = 0; kj < kw; kj++) {
        float *row = col + ((c * kh + ki) * kw + kj) * ld;
        /* Columns whose input x index is inside [0, W): ow in [lo, hi). */
        const long off = kj * dw - pw;
        long lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
        long hi = W - off <= 0 ? 0 : (W - off + sw - 1) / sw;
        if (lo > OW) lo = OW;
        if (hi > OW) hi = OW;
        if (hi < lo) hi = lo;
        for (long oh = 0; oh < OH; oh++) {
          float *r = row + oh * OW;
          const long ih = oh * sh - ph + ki * dh;
          if (ih < 0 || ih >= H) { memset(r, 0, (size_t)OW * sizeof(float)); continue; }
          const float *xr = xc + ih * W + off;
          for (long ow = 0; ow < lo; ow++) r[ow] = 0.0f;
          if (sw == 1) copy_row(r + lo, xr + lo, hi - lo);
          else for (long ow = lo; ow < hi; ow++) r[ow] = xr[ow * sw];
          for (long ow = hi; ow < OW; ow++) r[ow] = 0.0f;
        }
      }
    }
  }
}

/* Adds each col entry back into x (x += col2im(col)); the caller zeroes x. */
void nl_col2im(const float *col, long C, long H, long W, long kh, long kw,
               long sh, long sw, long ph, long pw, long dh, long dw,
               long OH, long OW, float *x, long ld) {
  for (long c = 0; c < C; c++) {
    float *xc = x + c * H * W;
    for (long ki = 0; ki < kh; ki++) {
      for (long kj = 0; kj < kw; kj++) {
        const float *row = col + ((c * kh + ki) * kw + kj) * ld;
        const long off = kj * dw - pw;
        long lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
        long hi = W - off <= 0 ? 0 : (W - off + sw - 1) / sw;
        if (lo > OW) lo = OW;
        if (hi > OW) hi = OW;
        if (hi < lo) hi = lo;
        for (long oh = 0; oh < OH; oh++) {
          const long ih = oh * sh - ph + ki * dh;
          if (ih < 0 || ih >= H) continue;
          const float *r = row + oh * OW;
          float *xr = xc + ih * W + off;
          if (sw == 1) for (long ow = lo; ow < hi; ow++) xr[ow] += r[ow];
          else for (long ow = lo; ow < hi; ow++) xr[ow * sw] += r[ow];
        }
      }
    }
  }
}

/* A batch of `count` images x[n] (C*H*W apart) unfolded side by side: image n
 * goes to columns [n*OH*OW, (n+1)*OH*OW) of col (rows ld apart), or folded
 * back from there. Images are independent, so the pool's threads split them. */
typedef struct {
  const float *src; float *dst;
  long C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, ld, count, per;
  int fold;
} unfold_job;

static void unfold_chunk(void *ctx, int chunk) {
  const unfold_job *j = (const unfold_job *)ctx;
  const long image = j->C * j->H * j->W, P = j->OH * j->OW;
  const long n0 = (long)chunk * j->per, n1 = n0 + j->per < j->count ? n0 + j->per : j->count;
  for (long n = n0; n < n1; n++) {
    if (j->fold) nl_col2im(j->src + n * P, j->C, j->H, j->W, j->kh, j->kw, j->sh, j->sw, j->ph, j->pw, j->dh, j->dw, j->OH, j->OW, j->dst + n * image, j->ld);
    else nl_im2col(j->src + n * image, j->C, j->H, j->W, j->kh, j->kw, j->sh, j->sw, j->ph, j->pw, j->dh, j->dw, j->OH, j->OW, j->dst + n * P, j->ld);
  }
}

void nl_unfold_batch(int fold, const float *src, float *dst, long count, long C, long H, long W, long kh, long kw,
                     long sh, long sw, long ph, long pw, long dh, long dw, long OH, long OW, long ld) {
  const int threads = nl_pool_threads();
  const long chunks = count < 8L * threads ? count : 8L * threads;
  unfold_job j = { src, dst, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW, ld, count, 0, fold };
  if (count <= 0) return;
  j.per = (count + chunks - 1) / chunks;
  const int n = (int)((count + j.per - 1) / j.per);
  if (threads <= 1 || n <= 1) { for (int c = 0; c < n; c++) unfold_chunk(&j, c); return; }
  nl_pool_run(unfold_chunk, &j, n, threads);
}
