// N-d max/average pooling and their gradients, on the same offset tables as im2col.

import { allocArray, allocFloat32Uninit, sizeOf, Tensor } from '../../tensor';
import { maxPool2d, scatterAdd, scatterAddPlanes } from '../gemm';
import { offsetTable, type ConvGeometry } from './conv';

export interface PoolAttrs extends Omit<ConvGeometry, 'group'> {
  kernelShape: number[];
  ceilMode: boolean;
  countIncludePad?: boolean;
  /** 1 = column-major Indices output (MaxPool's storage_order) */
  storageOrder?: number;
}

export function poolOutShape(xShape: readonly number[], a: PoolAttrs): number[] {
  const nd = xShape.length - 2, out = [xShape[0], xShape[1]];
  for (let d = 0; d < nd; d++) {
    const inp = xShape[d + 2], pb = a.pads[d], pe = a.pads[d + nd];
    const span = (a.kernelShape[d] - 1) * a.dilations[d] + 1, s = a.strides[d];
    let o = (a.ceilMode ? Math.ceil : Math.floor)((inp + pb + pe - span) / s) + 1;
    // a window must start inside the input or its left padding (PyTorch and ONNX agree)
    if (a.ceilMode && (o - 1) * s >= inp + pb) o--;
    out.push(o);
  }
  return out;
}

function geometry(xShape: readonly number[], a: PoolAttrs) {
  const yShape = poolOutShape(xShape, a);
  const inSp = xShape.slice(2), outSp = yShape.slice(2);
  const g = { strides: a.strides, pads: a.pads, dilations: a.dilations, group: 1 };
  const table = offsetTable(inSp, outSp, a.kernelShape, g);
  return { yShape, table, KK: sizeOf(a.kernelShape), P: sizeOf(outSp), inSize: sizeOf(inSp), NC: xShape[0] * xShape[1], inSp, outSp };
}

/** inputs [x] → [y, indices (int64, flat over x)] */
export function maxPoolKernel([x]: Tensor[], a: PoolAttrs): Tensor[] {
  if (x.rank === 4 && (a.storageOrder ?? 0) === 0 && a.pads.every((p) => p === 0) && a.dilations.every((d) => d === 1)) {
    const yShape = poolOutShape(x.shape, a);
    const [N, C, H, W] = x.shape, [OH, OW] = yShape.slice(2), [kh, kw] = a.kernelShape, [sh, sw] = a.strides;
    // every window inside the image (no padding; ceil_mode may not run past the edge)
    if ((OH - 1) * sh + kh <= H && (OW - 1) * sw + kw <= W && OH > 0 && OW > 0) {
      if (x.data instanceof Float32Array) {
        const Y = allocFloat32Uninit(N * C * OH * OW), I = new Float64Array(Y.length);
        maxPool2d(x.data, N * C, H, W, OH, OW, kh, kw, sh, sw, Y, I);
        return [new Tensor(x.dtype, yShape, Y), new Tensor('int64', yShape, I)];
      }
    }
  }
  const { yShape, table, KK, P, inSize, NC, inSp } = geometry(x.shape, a);
  const X = x.data, Y = allocArray(x.dtype, NC * P), I = new Float64Array(NC * P);
  for (let nc = 0; nc < NC; nc++) {
    const xb = nc * inSize, yb = nc * P;
    for (let p = 0; p < P; p++) {
      let m = -Infinity, mi = -1;
      for (let kk = 0; kk < KK; kk++) {
        const o = table[kk * P + p];
        if (o >= 0 && (X[xb + o] > m || mi < 0)) { m = X[xb + o]; mi = o; }
      }
      Y[yb + p] = m;
      I[yb + p] = xb + mi;
    }
  }
  if (a.storageOrder === 1 && inSp.length === 2) {
    // column-major within each image: index = c·H·W + w·H + h
    const [H, W] = inSp;
    for (let i = 0; i < I.length; i++) {
      const base = Math.floor(I[i] / inSize) * inSize, r = I[i] - base;
      I[i] = base + (r % W) * H + Math.floor(r / W);
    }
  }
  return [new Tensor(x.dtype, yShape, Y), new Tensor('int64', yShape, I)];
}

/** inputs [dy, indices] → dx (indices as produced by maxPoolKernel with storageOrder 0) */
export function maxPoolGradKernel([dy, idx]: Tensor[], { xShape }: { xShape: number[] }): Tensor {
  const D = dy.data, I = idx.data;
  if (D instanceof Float32Array && I instanceof Float64Array && xShape.length >= 2 && dy.rank === xShape.length) {
    // the indices of one (n, c) plane point into the same plane of x: planes can go in parallel
    const planes = xShape[0] * xShape[1], dX = allocFloat32Uninit(sizeOf(xShape));
    scatterAddPlanes(D, I, planes, planes ? D.length / planes : 0, planes ? dX.length / planes : 0, dX);
    return new Tensor(dy.dtype, xShape.slice(), dX);
  }
  const dX = allocArray(dy.dtype, sizeOf(xShape));
  if (D instanceof Float32Array && I instanceof Float64Array) {
    scatterAdd(D, I, dX as Float32Array);
    return new Tensor(dy.dtype, xShape.slice(), dX);
  }
  for (let i = 0; i < D.length; i++) dX[I[i]] += D[i];
  return new Tensor(dy.dtype, xShape.slice(), dX);
}

/** Divisor per output position: valid taps, or taps inside the padded input. */
function divisors(xShape: readonly number[], a: PoolAttrs, table: Int32Array, KK: number, P: number, outSp: number[]): Float64Array {
  const div = new Float64Array(P);
  if (!a.countIncludePad) {
    for (let p = 0; p < P; p++) { let c = 0; for (let kk = 0; kk < KK; kk++) if (table[kk * P + p] >= 0) c++; div[p] = c; }
    return div;
  }
  const nd = outSp.length, inSp = xShape.slice(2);
  const oIdx = new Array<number>(nd).fill(0);
  for (let p = 0; p < P; p++) {
    let c = 1;
    for (let d = 0; d < nd; d++) {
      const lo = -a.pads[d], hi = inSp[d] + a.pads[d + nd];
      let cnt = 0;
      for (let k = 0; k < a.kernelShape[d]; k++) {
        const i = oIdx[d] * a.strides[d] - a.pads[d] + k * a.dilations[d];
        if (i >= lo && i < hi) cnt++;
      }
      c *= cnt;
    }
    div[p] = c;
    for (let d = nd - 1; d >= 0; d--) { if (++oIdx[d] < outSp[d]) break; oIdx[d] = 0; }
  }
  return div;
}

export function averagePoolKernel([x]: Tensor[], a: PoolAttrs): Tensor {
  const { yShape, table, KK, P, inSize, NC, outSp } = geometry(x.shape, a);
  const div = divisors(x.shape, a, table, KK, P, outSp);
  const X = x.data, Y = allocArray(x.dtype, NC * P);
  for (let nc = 0; nc < NC; nc++) {
    const xb = nc * inSize, yb = nc * P;
    for (let p = 0; p < P; p++) {
      let s = 0;
      for (let kk = 0; kk < KK; kk++) { const o = table[kk * P + p]; if (o >= 0) s += X[xb + o]; }
      Y[yb + p] = s / div[p];
    }
  }
  return new Tensor(x.dtype, yShape, Y);
}

export function averagePoolGradKernel([dy]: Tensor[], a: PoolAttrs & { xShape: number[] }): Tensor {
  const { table, KK, P, inSize, NC, outSp } = geometry(a.xShape, a);
  const div = divisors(a.xShape, a, table, KK, P, outSp);
  const D = dy.data, dX = allocArray(dy.dtype, sizeOf(a.xShape));
  for (let nc = 0; nc < NC; nc++) {
    const xb = nc * inSize, yb = nc * P;
    for (let p = 0; p < P; p++) {
      const g = D[yb + p] / div[p];
      for (let kk = 0; kk < KK; kk++) { const o = table[kk * P + p]; if (o >= 0) dX[xb + o] += g; }
    }
  }
  return new Tensor(dy.dtype, a.xShape.slice(), dX);
}
