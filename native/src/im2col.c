/* im2col / col2im for one NCHW image.
 * col has C*kh*kw rows and OH*OW columns: row (c, ki, kj), column (oh, ow)
 * holds x[c, oh*sh - ph + ki*dh, ow*sw - pw + kj*dw] (0 outside the image).
 * ph/pw are the leading pads; trailing pads are implied by OH/OW. Rows of
 * col are `ld` floats apart (ld >= OH*OW), so a batch can be unfolded side by
 * side into one (C*kh*kw) x (N*OH*OW) matrix for a single GEMM. */
#include "sgemm.h"

#include <string.h>

void nl_im2col(const float *x, long C, long H, long W, long kh, long kw,
               long sh, long sw, long ph, long pw, long dh, long dw,
               long OH, long OW, float *col, long ld) {
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
          if (sw == 1) memcpy(r + lo, xr + lo, (size_t)(hi - lo) * sizeof(float));
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
