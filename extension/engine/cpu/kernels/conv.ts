// N-d convolution via im2col + gemm, and its two gradients (which also give ConvTranspose).
//
// The im2col gather is driven by a table mapping (kernel offset, output position) to a
// flat spatial input offset (or −1 for padding). It depends only on the geometry, so it is
// built once per layer shape and reused for every channel, image and step; it also makes
// 1-D, 2-D and 3-D convolutions the same code.

import { allocArray, sizeOf, Tensor } from '../../tensor';
import { gemm } from '../matmulKernel';
import { conv2dBackpropFilter, conv2dBackpropInput, conv2dForward, type Conv2dDims } from './convBatched';

type F = Float32Array | Float64Array;

export interface ConvGeometry {
  strides: number[];
  /** begin pads for each spatial dim, then end pads (ONNX layout) */
  pads: number[];
  dilations: number[];
  group: number;
}

export function convOutSize(inp: number, k: number, s: number, d: number, pb: number, pe: number): number {
  return Math.floor((inp + pb + pe - ((k - 1) * d + 1)) / s) + 1;
}

const tableCache = new Map<string, Int32Array>();

/** table[kk * P + p] = flat offset in the input image of kernel tap kk at output p, or −1. */
export function offsetTable(inSp: readonly number[], outSp: readonly number[], kSp: readonly number[], g: ConvGeometry): Int32Array {
  const key = `${inSp}|${outSp}|${kSp}|${g.strides}|${g.pads}|${g.dilations}`;
  let t = tableCache.get(key);
  if (t) return t;
  const nd = inSp.length, KK = sizeOf(kSp), P = sizeOf(outSp);
  t = new Int32Array(KK * P);
  const kIdx = new Array<number>(nd).fill(0);
  for (let kk = 0; kk < KK; kk++) {
    const oIdx = new Array<number>(nd).fill(0);
    for (let p = 0; p < P; p++) {
      let off = 0, ok = true;
      for (let d = 0; d < nd; d++) {
        const i = oIdx[d] * g.strides[d] - g.pads[d] + kIdx[d] * g.dilations[d];
        if (i < 0 || i >= inSp[d]) { ok = false; break; }
        off = off * inSp[d] + i;
      }
      t[kk * P + p] = ok ? off : -1;
      for (let d = nd - 1; d >= 0; d--) { if (++oIdx[d] < outSp[d]) break; oIdx[d] = 0; }
    }
    for (let d = nd - 1; d >= 0; d--) { if (++kIdx[d] < kSp[d]) break; kIdx[d] = 0; }
  }
  if (tableCache.size > 256) tableCache.clear();
  tableCache.set(key, t);
  return t;
}

function isPointwise(kSp: readonly number[], g: ConvGeometry, inSp: readonly number[], outSp: readonly number[]): boolean {
  return kSp.every((k) => k === 1) && g.strides.every((s) => s === 1) && g.pads.every((p) => p === 0)
    && inSp.every((d, i) => d === outSp[i]);
}

function im2col(X: F, xOff: number, C: number, inSize: number, table: Int32Array, KK: number, P: number, col: F): void {
  for (let c = 0; c < C; c++) {
    const xb = xOff + c * inSize, cb = c * KK * P;
    for (let q = 0; q < KK * P; q++) {
      const o = table[q];
      col[cb + q] = o >= 0 ? X[xb + o] : 0;
    }
  }
}

function col2im(col: F, C: number, inSize: number, table: Int32Array, KK: number, P: number, dX: F, xOff: number): void {
  for (let c = 0; c < C; c++) {
    const xb = xOff + c * inSize, cb = c * KK * P;
    for (let q = 0; q < KK * P; q++) {
      const o = table[q];
      if (o >= 0) dX[xb + o] += col[cb + q];
    }
  }
}

interface Dims { N: number; C: number; M: number; Cg: number; Mg: number; inSp: number[]; outSp: number[]; kSp: number[]; KK: number; P: number; inSize: number }

function dims(xShape: readonly number[], wShape: readonly number[], yShape: readonly number[], group: number): Dims {
  const inSp = xShape.slice(2), outSp = yShape.slice(2), kSp = wShape.slice(2);
  const M = wShape[0], C = xShape[1];
  return { N: xShape[0], C, M, Cg: C / group, Mg: M / group, inSp, outSp, kSp, KK: sizeOf(kSp), P: sizeOf(outSp), inSize: sizeOf(inSp) };
}

/** float32 2-D convolutions without groups take the whole-batch path (convBatched.ts). */
function batched(a: Tensor, b: Tensor, group: number): boolean {
  return group === 1 && a.rank === 4 && a.dtype === 'float32' && b.dtype === 'float32'
    && a.data instanceof Float32Array && b.data instanceof Float32Array;
}

function dims2d(xShape: readonly number[], wShape: readonly number[], yShape: readonly number[]): Conv2dDims {
  return { N: xShape[0], C: xShape[1], H: xShape[2], W: xShape[3], M: wShape[0], OH: yShape[2], OW: yShape[3], kh: wShape[2], kw: wShape[3] };
}

export function convOutShape(xShape: readonly number[], wShape: readonly number[], g: ConvGeometry): number[] {
  const nd = xShape.length - 2;
  const out = [xShape[0], wShape[0]];
  for (let d = 0; d < nd; d++) {
    out.push(convOutSize(xShape[d + 2], wShape[d + 2], g.strides[d], g.dilations[d], g.pads[d], g.pads[d + nd]));
  }
  return out;
}

export interface ConvAttrs extends ConvGeometry { activation?: 'Relu' }

/** inputs [x, w, bias?] → y; optional fused Relu. */
export function convKernel([x, w, bias]: Tensor[], g: ConvAttrs): Tensor {
  if (x.shape[1] !== w.shape[1] * g.group) {
    throw new Error(`Conv: input has ${x.shape[1]} channels but weight [${w.shape.join(',')}] with group=${g.group} expects ${w.shape[1] * g.group}`);
  }
  const yShape = convOutShape(x.shape, w.shape, g);
  if (batched(x, w, g.group) && (!bias || bias.data instanceof Float32Array)) {
    const Y = conv2dForward(x.data as Float32Array, w.data as Float32Array, bias?.data as Float32Array | undefined,
      g.activation === 'Relu', dims2d(x.shape, w.shape, yShape), g.strides, g.pads, g.dilations);
    return new Tensor(x.dtype, yShape, Y);
  }
  const D = dims(x.shape, w.shape, yShape, g.group);
  const Y = allocArray(x.dtype, sizeOf(yShape)) as F, X = x.data as F, W = w.data as F;
  const pointwise = isPointwise(D.kSp, g, D.inSp, D.outSp);
  const table = pointwise ? null : offsetTable(D.inSp, D.outSp, D.kSp, g);
  const rows = D.Cg * D.KK;
  const col = pointwise ? null : (allocArray(x.dtype, rows * D.P) as F);
  for (let n = 0; n < D.N; n++) {
    for (let gi = 0; gi < g.group; gi++) {
      const xOff = (n * D.C + gi * D.Cg) * D.inSize;
      let B: F = X, bOff = xOff;
      if (!pointwise) { im2col(X, xOff, D.Cg, D.inSize, table!, D.KK, D.P, col!); B = col!; bOff = 0; }
      gemm(false, false, D.Mg, D.P, rows, 1, W, gi * D.Mg * rows, rows, B, bOff, D.P, 0, Y, (n * D.M + gi * D.Mg) * D.P, D.P);
    }
  }
  if (bias || g.activation) {
    const Bv = bias?.data;
    for (let n = 0; n < D.N; n++) for (let m = 0; m < D.M; m++) {
      const b = Bv ? Bv[m] : 0, o = (n * D.M + m) * D.P;
      if (g.activation === 'Relu') for (let p = 0; p < D.P; p++) { const v = Y[o + p] + b; Y[o + p] = v > 0 ? v : 0; }
      else for (let p = 0; p < D.P; p++) Y[o + p] += b;
    }
  }
  return new Tensor(x.dtype, yShape, Y);
}

export interface ConvBackpropInputAttrs extends ConvGeometry { xShape: number[] }

/** inputs [dy, w] → dx of shape xShape (also ConvTranspose's forward). */
export function convBackpropInputKernel([dy, w]: Tensor[], g: ConvBackpropInputAttrs): Tensor {
  if (batched(dy, w, g.group)) {
    const dX = conv2dBackpropInput(dy.data as Float32Array, w.data as Float32Array, dims2d(g.xShape, w.shape, dy.shape), g.strides, g.pads, g.dilations);
    return new Tensor(dy.dtype, g.xShape.slice(), dX);
  }
  const D = dims(g.xShape, w.shape, dy.shape, g.group);
  const dX = allocArray(dy.dtype, sizeOf(g.xShape)) as F, dY = dy.data as F, W = w.data as F;
  const pointwise = isPointwise(D.kSp, g, D.inSp, D.outSp);
  const table = pointwise ? null : offsetTable(D.inSp, D.outSp, D.kSp, g);
  const rows = D.Cg * D.KK;
  const col = pointwise ? null : (allocArray(dy.dtype, rows * D.P) as F);
  for (let n = 0; n < D.N; n++) {
    for (let gi = 0; gi < g.group; gi++) {
      const xOff = (n * D.C + gi * D.Cg) * D.inSize;
      const dyOff = (n * D.M + gi * D.Mg) * D.P;
      if (pointwise) {
        gemm(true, false, rows, D.P, D.Mg, 1, W, gi * D.Mg * rows, rows, dY, dyOff, D.P, 0, dX, xOff, D.P);
      } else {
        gemm(true, false, rows, D.P, D.Mg, 1, W, gi * D.Mg * rows, rows, dY, dyOff, D.P, 0, col!, 0, D.P);
        col2im(col!, D.Cg, D.inSize, table!, D.KK, D.P, dX, xOff);
      }
    }
  }
  return new Tensor(dy.dtype, g.xShape.slice(), dX);
}

export interface ConvBackpropFilterAttrs extends ConvGeometry { wShape: number[] }

/** inputs [x, dy] → dw of shape wShape. */
export function convBackpropFilterKernel([x, dy]: Tensor[], g: ConvBackpropFilterAttrs): Tensor {
  if (batched(x, dy, g.group)) {
    const dW = conv2dBackpropFilter(x.data as Float32Array, dy.data as Float32Array, dims2d(x.shape, g.wShape, dy.shape), g.strides, g.pads, g.dilations);
    return new Tensor(x.dtype, g.wShape.slice(), dW);
  }
  const D = dims(x.shape, g.wShape, dy.shape, g.group);
  const dW = allocArray(x.dtype, sizeOf(g.wShape)) as F, X = x.data as F, dY = dy.data as F;
  const pointwise = isPointwise(D.kSp, g, D.inSp, D.outSp);
  const table = pointwise ? null : offsetTable(D.inSp, D.outSp, D.kSp, g);
  const rows = D.Cg * D.KK;
  const col = pointwise ? null : (allocArray(x.dtype, rows * D.P) as F);
  for (let n = 0; n < D.N; n++) {
    for (let gi = 0; gi < g.group; gi++) {
      const xOff = (n * D.C + gi * D.Cg) * D.inSize;
      let B: F = X, bOff = xOff;
      if (!pointwise) { im2col(X, xOff, D.Cg, D.inSize, table!, D.KK, D.P, col!); B = col!; bOff = 0; }
      gemm(false, true, D.Mg, rows, D.P, 1, dY, (n * D.M + gi * D.Mg) * D.P, D.P, B, bOff, D.P, 1, dW, gi * D.Mg * rows, rows);
    }
  }
  return new Tensor(x.dtype, g.wShape.slice(), dW);
}
