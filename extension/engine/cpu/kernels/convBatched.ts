// Whole-batch 2-D convolution for float32, group 1: the batch is unfolded side by side
// (im2col with row stride colLd = nb·P), so each direction is one large GEMM per chunk of
// images instead of one small GEMM per image:
//   forward   Y'[M, nb·P]  = W[M, R] · col[R, nb·P]          (then Y'[m, n, p] → Y[n, m, p])
//   filter    dW[M, R]    += dY'[M, nb·P] · col[R, nb·P]ᵀ
//   input     dcol[R, nb·P] = W[M, R]ᵀ · dY'[M, nb·P]         (then col2im per image)
// R = C·kh·kw, P = OH·OW. Buffers are reused across steps (grow-only, per layer shape), and
// the forward's col is kept for the filter gradient of the same input, which comes next in
// training; a different input (another layer of the same shape) just unfolds again.

import { biasAct, col2im, im2col, sgemm, type ConvGeometry as Geo2d } from '../gemm';

/** Most floats one chunk's col may hold (32 MiB); bigger batches are done in chunks. */
const COL_CAP = 8 << 20;

export interface Conv2dDims { N: number; C: number; H: number; W: number; M: number; OH: number; OW: number; kh: number; kw: number }

interface LayerCache { col: Float32Array; colOf?: Float32Array; dyT: Float32Array; dyTOf?: Float32Array }

const layers = new Map<string, LayerCache>();
let scratch = new Float32Array(0);

function layer(key: string): LayerCache {
  let c = layers.get(key);
  if (!c) {
    if (layers.size > 64) layers.clear();
    c = { col: new Float32Array(0), dyT: new Float32Array(0) };
    layers.set(key, c);
  }
  return c;
}

function grow(a: Float32Array, n: number): Float32Array {
  return a.length >= n ? a : new Float32Array(n);
}

function tmp(n: number): Float32Array {
  if (scratch.length < n) scratch = new Float32Array(n);
  return scratch;
}

function plan(d: Conv2dDims, strides: number[], pads: number[], dilations: number[]) {
  const g: Geo2d = {
    C: d.C, H: d.H, W: d.W, kh: d.kh, kw: d.kw, sh: strides[0], sw: strides[1],
    ph: pads[0], pw: pads[1], dh: dilations[0], dw: dilations[1], OH: d.OH, OW: d.OW,
  };
  const R = d.C * d.kh * d.kw, P = d.OH * d.OW, img = d.C * d.H * d.W;
  const nb = Math.max(1, Math.min(d.N, Math.floor(COL_CAP / Math.max(R * P, 1))));
  const key = `${d.N}|${d.C}|${d.H}|${d.W}|${d.M}|${d.kh}|${d.kw}|${strides}|${pads}|${dilations}`;
  return { g, R, P, img, nb, key };
}

/** Unfolds images n0 … n0+nb−1 of X into col (rows nb·P apart). */
function unfold(X: Float32Array, n0: number, nb: number, p: ReturnType<typeof plan>, col: Float32Array): void {
  const ld = nb * p.P;
  for (let i = 0; i < nb; i++) im2col(X, (n0 + i) * p.img, p.g, col, i * p.P, ld);
}

/**
 * The col of the whole batch (one chunk). The forward always unfolds and remembers its
 * input; the filter gradient reuses that col once if it gets the same array, so a buffer
 * refilled between calls can never yield a stale col beyond one forward/backward pair.
 */
function batchCol(c: LayerCache, X: Float32Array, p: ReturnType<typeof plan>, N: number, reuse: boolean): Float32Array {
  if (reuse && c.colOf === X) { c.colOf = undefined; return c.col; }
  c.col = grow(c.col, p.R * N * p.P);
  unfold(X, 0, N, p, c.col);
  c.colOf = reuse ? undefined : X;
  return c.col;
}

export function conv2dForward(
  X: Float32Array, Wt: Float32Array, bias: Float32Array | undefined, relu: boolean,
  d: Conv2dDims, strides: number[], pads: number[], dilations: number[],
): Float32Array {
  const p = plan(d, strides, pads, dilations), { R, P, nb } = p, M = d.M;
  const Y = new Float32Array(d.N * M * P);
  const c = layer(p.key);
  for (let n0 = 0; n0 < d.N; n0 += nb) {
    const cnt = Math.min(nb, d.N - n0), cols = cnt * P;
    let col: Float32Array;
    if (cnt === d.N) col = batchCol(c, X, p, d.N, false);
    else { c.col = grow(c.col, R * cols); col = c.col; c.colOf = undefined; unfold(X, n0, cnt, p, col); }
    const out = tmp(M * cols);
    // the bias rides in C (beta = 1): the GEMM adds it after its dot products, as a separate add would
    if (bias) for (let m = 0; m < M; m++) out.fill(bias[m], m * cols, (m + 1) * cols);
    sgemm(false, false, M, cols, R, 1, Wt, 0, R, col, 0, cols, bias ? 1 : 0, out, 0, cols);
    // [M, cnt, P] → [cnt, M, P]: block copies
    for (let m = 0; m < M; m++) {
      for (let i = 0; i < cnt; i++) {
        const src = m * cols + i * P;
        Y.set(out.subarray(src, src + P), ((n0 + i) * M + m) * P);
      }
    }
  }
  if (relu && Y.length) biasAct(Y, 0, 1, Y.length, Y.length, null, true);
  return Y;
}

/**
 * dY [N, M, P] → dY' [M, cnt·P] for images n0 … n0+cnt−1. The input gradient (`keep`)
 * leaves it for the filter gradient of the same dy, which takes it once.
 */
function transposeDy(c: LayerCache, dY: Float32Array, n0: number, cnt: number, M: number, P: number, keep: boolean, take: boolean): Float32Array {
  if (take && c.dyTOf === dY) { c.dyTOf = undefined; return c.dyT; }
  const cols = cnt * P;
  c.dyT = grow(c.dyT, M * cols);
  const t = c.dyT;
  for (let i = 0; i < cnt; i++) for (let m = 0; m < M; m++) {
    const src = ((n0 + i) * M + m) * P;
    t.set(dY.subarray(src, src + P), m * cols + i * P);
  }
  c.dyTOf = keep ? dY : undefined;
  return t;
}

export function conv2dBackpropInput(
  dY: Float32Array, Wt: Float32Array, d: Conv2dDims, strides: number[], pads: number[], dilations: number[],
): Float32Array {
  const p = plan(d, strides, pads, dilations), { R, P, nb } = p, M = d.M;
  const dX = new Float32Array(d.N * p.img);
  const c = layer(p.key);
  for (let n0 = 0; n0 < d.N; n0 += nb) {
    const cnt = Math.min(nb, d.N - n0), cols = cnt * P;
    const dyT = transposeDy(c, dY, n0, cnt, M, P, cnt === d.N, false);
    const dcol = tmp(R * cols);
    sgemm(true, false, R, cols, M, 1, Wt, 0, R, dyT, 0, cols, 0, dcol, 0, cols);
    for (let i = 0; i < cnt; i++) col2im(dcol, i * P, p.g, dX, (n0 + i) * p.img, cols);
  }
  return dX;
}

export function conv2dBackpropFilter(
  X: Float32Array, dY: Float32Array, d: Conv2dDims, strides: number[], pads: number[], dilations: number[],
): Float32Array {
  const p = plan(d, strides, pads, dilations), { R, P, nb } = p, M = d.M;
  const dW = new Float32Array(M * R);
  const c = layer(p.key);
  for (let n0 = 0; n0 < d.N; n0 += nb) {
    const cnt = Math.min(nb, d.N - n0), cols = cnt * P;
    let col: Float32Array;
    if (cnt === d.N) col = batchCol(c, X, p, d.N, true);
    else { c.col = grow(c.col, R * cols); col = c.col; c.colOf = undefined; unfold(X, n0, cnt, p, col); }
    const dyT = transposeDy(c, dY, n0, cnt, M, P, false, cnt === d.N);
    sgemm(false, true, M, R, cols, 1, dyT, 0, cols, col, 0, cols, n0 === 0 ? 0 : 1, dW, 0, R);
  }
  return dW;
}
