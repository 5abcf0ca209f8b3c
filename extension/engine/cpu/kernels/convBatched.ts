// Whole-batch 2-D convolution for float32, group 1: the batch is unfolded side by side
// (im2col with row stride colLd = nb·P), so each direction is one large GEMM per chunk of
// images instead of one small GEMM per image:
//   forward   Y'[M, nb·P]  = W[M, R] · col[R, nb·P]          (then Y'[m, n, p] + b[m] → Y[n, m, p], ReLU)
//   filter    dW[M, R]    += dY'[M, nb·P] · col[R, nb·P]ᵀ
//   input     dcol[R, nb·P] = W[M, R]ᵀ · dY'[M, nb·P]         (then col2im per image)
// R = C·kh·kw, P = OH·OW. Buffers are reused across steps (grow-only, per layer shape), and
// the forward's col is kept for the filter gradient of the same input, which comes next in
// training; a different input (another layer of the same shape) just unfolds again.

import { allocFloat32Uninit, storageGeneration } from '../../tensor';
import { col2im, convDirect, convDirectFilter, convDirectInput, im2col, sgemm, swapAxes01, type ConvGeometry as Geo2d } from '../gemm';

/** Most floats one chunk's col may hold (32 MiB); bigger batches are done in chunks. */
let COL_CAP = 8 << 20;

/** Sets the chunk limit (floats) and returns the old one; tests use it to exercise chunking. */
export function setConvColumnCap(floats: number): number {
  const old = COL_CAP;
  COL_CAP = Math.max(1, floats);
  return old;
}

export interface Conv2dDims { N: number; C: number; H: number; W: number; M: number; OH: number; OW: number; kh: number; kw: number }

interface LayerCache {
  col: Float32Array; colOf?: Float32Array; colGen: number;
  dyT: Float32Array; dyTOf?: Float32Array; dyTGen: number;
}

const layers = new Map<string, LayerCache>();
let scratch = new Float32Array(0);

function layer(key: string): LayerCache {
  let c = layers.get(key);
  if (!c) {
    if (layers.size > 64) layers.clear();
    c = { col: new Float32Array(0), colGen: -1, dyT: new Float32Array(0), dyTGen: -1 };
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
  im2col(X, n0 * p.img, p.g, col, 0, nb * p.P, nb);
}

/**
 * The col of the whole batch (one chunk). The forward always unfolds and remembers its
 * input; the filter gradient reuses that col once if it gets the same array, so a buffer
 * refilled between calls can never yield a stale col beyond one forward/backward pair.
 */
function batchCol(c: LayerCache, X: Float32Array, p: ReturnType<typeof plan>, N: number, reuse: boolean): Float32Array {
  // (an array recycled since then may hold other data under the same identity: compare generations)
  if (reuse && c.colOf === X && c.colGen === storageGeneration()) { c.colOf = undefined; return c.col; }
  c.col = grow(c.col, p.R * N * p.P);
  unfold(X, 0, N, p, c.col);
  c.colOf = reuse ? undefined : X;
  c.colGen = storageGeneration();
  return c.col;
}

/** Images n0 … n0+cnt−1 of an [N, …] array, `per` floats each. */
function chunk(Y: Float32Array, n0: number, cnt: number, per: number): Float32Array {
  return Y.subarray(n0 * per, (n0 + cnt) * per);
}

/** NEURAL_LENS_CONV_DIRECT=0 keeps every convolution on im2col + GEMM (A/B timing, debugging). */
const DIRECT = process.env.NEURAL_LENS_CONV_DIRECT !== '0';

/**
 * The direct kernel (native/src/conv_direct.c) beats im2col + GEMM for few output channels and
 * short taps (LeNet: 6 x 25 and 16 x 150): the unfold would copy each input pixel kh·kw times
 * for a GEMM too thin to run at speed. Wide layers keep the GEMM, which blocks for the caches.
 */
function directPays(d: Conv2dDims, R: number, strides: number[], pads: number[], dilations: number[]): boolean {
  return DIRECT && d.M <= 32 && R <= 600 && strides.every((s) => s === 1) && pads.every((q) => q === 0) && dilations.every((q) => q === 1);
}

export function conv2dForward(
  X: Float32Array, Wt: Float32Array, bias: Float32Array | undefined, relu: boolean,
  d: Conv2dDims, strides: number[], pads: number[], dilations: number[],
): Float32Array {
  const p = plan(d, strides, pads, dilations), { R, P, nb } = p, M = d.M;
  const Y = allocFloat32Uninit(d.N * M * P); // every image is written by swapAxes01 (or convDirect)
  if (directPays(d, R, strides, pads, dilations) && convDirect(X, d.N, d.C, d.H, d.W, Wt, M, d.kh, d.kw, bias ?? null, relu, Y)) return Y;
  const c = layer(p.key);
  for (let n0 = 0; n0 < d.N; n0 += nb) {
    const cnt = Math.min(nb, d.N - n0), cols = cnt * P;
    let col: Float32Array;
    if (cnt === d.N) col = batchCol(c, X, p, d.N, false);
    else { c.col = grow(c.col, R * cols); col = c.col; c.colOf = undefined; unfold(X, n0, cnt, p, col); }
    const out = tmp(M * cols);
    sgemm(false, false, M, cols, R, 1, Wt, 0, R, col, 0, cols, 0, out, 0, cols);
    // [M, cnt, P] → [cnt, M, P], adding the bias and applying the ReLU on the way
    swapAxes01(out, M, cnt, P, chunk(Y, n0, cnt, M * P), bias ?? null, relu);
  }
  return Y;
}

/**
 * dY [N, M, P] → dY' [M, cnt·P] for images n0 … n0+cnt−1. The input gradient (`keep`)
 * leaves it for the filter gradient of the same dy, which takes it once.
 */
function transposeDy(c: LayerCache, dY: Float32Array, n0: number, cnt: number, M: number, P: number, keep: boolean, take: boolean): Float32Array {
  if (take && c.dyTOf === dY && c.dyTGen === storageGeneration()) { c.dyTOf = undefined; return c.dyT; }
  const cols = cnt * P;
  c.dyT = grow(c.dyT, M * cols);
  swapAxes01(chunk(dY, n0, cnt, M * P), cnt, M, P, c.dyT);
  c.dyTOf = keep ? dY : undefined;
  c.dyTGen = storageGeneration();
  return c.dyT;
}

export function conv2dBackpropInput(
  dY: Float32Array, Wt: Float32Array, d: Conv2dDims, strides: number[], pads: number[], dilations: number[],
): Float32Array {
  const p = plan(d, strides, pads, dilations), { R, P, nb } = p, M = d.M;
  const dX = allocFloat32Uninit(d.N * p.img); // convDirectInput writes every element
  if (directPays(d, R, strides, pads, dilations) && convDirectInput(dY, d.N, M, d.OH, d.OW, Wt, d.C, d.kh, d.kw, dX)) return dX;
  dX.fill(0); // col2im accumulates into it
  const c = layer(p.key);
  for (let n0 = 0; n0 < d.N; n0 += nb) {
    const cnt = Math.min(nb, d.N - n0), cols = cnt * P;
    const dyT = transposeDy(c, dY, n0, cnt, M, P, cnt === d.N, false);
    const dcol = tmp(R * cols);
    sgemm(true, false, R, cols, M, 1, Wt, 0, R, dyT, 0, cols, 0, dcol, 0, cols);
    col2im(dcol, 0, p.g, dX, n0 * p.img, cols, cnt);
  }
  return dX;
}

export function conv2dBackpropFilter(
  X: Float32Array, dY: Float32Array, d: Conv2dDims, strides: number[], pads: number[], dilations: number[],
): Float32Array {
  const p = plan(d, strides, pads, dilations), { R, P, nb } = p, M = d.M;
  const dW = allocFloat32Uninit(M * R); // the first chunk's GEMM has beta = 0 (convDirectFilter writes all)
  if (directPays(d, R, strides, pads, dilations) && convDirectFilter(X, d.N, d.C, d.H, d.W, dY, M, d.kh, d.kw, dW)) return dW;
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
