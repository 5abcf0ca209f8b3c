// Reductions (sum/mean/max over sorted, non-negative axes), softmax family and their grads.

import { allocArray, sizeOf, Tensor } from '../../tensor';
import { channelSums, colSums } from '../gemm';

export interface ReduceAttrs { axes: number[]; keepdims: boolean }

export function reducedShape(shape: readonly number[], axes: number[], keepdims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => { if (!axes.includes(i)) out.push(d); else if (keepdims) out.push(1); });
  return out;
}

function reduce(x: Tensor, { axes, keepdims }: ReduceAttrs, kind: 'sum' | 'mean' | 'max'): Tensor {
  const shape = x.shape, r = shape.length;
  const outShape = reducedShape(shape, axes, keepdims);
  if (kind === 'sum' && x.data instanceof Float32Array && r >= 2 && axes[0] === 0 && x.size > 0) {
    // bias gradients: over rows of a [M, N] matrix (Gemm) or over N and space of NCHW (Conv)
    if (r === 2 && axes.length === 1) {
      const out = new Float32Array(shape[1]);
      colSums(x.data, 0, shape[0], shape[1], shape[1], out, 0);
      return new Tensor(x.dtype, outShape, out);
    }
    if (axes.length === r - 1 && axes.every((a, i) => a === (i === 0 ? 0 : i + 1))) return channelSumsOf(x, outShape);
  }
  const outSize = sizeOf(outShape);
  const acc = new Float64Array(outSize).fill(kind === 'max' ? -Infinity : 0);
  // stride of each input dimension in the output (0 on reduced axes)
  const os = new Array<number>(r).fill(0);
  let s = 1;
  for (let i = r - 1; i >= 0; i--) if (!axes.includes(i)) { os[i] = s; s *= shape[i]; }
  const X = x.data, n = x.size;
  if (n > 0) {
    if (r === 0) acc[0] = kind === 'max' ? X[0] : X[0];
    else {
      const inner = shape[r - 1], io = os[r - 1];
      const idx = new Array<number>(r).fill(0);
      let p = 0;
      for (let i = 0; i < n; i += inner) {
        if (kind === 'max') {
          for (let j = 0, q = p; j < inner; j++, q += io) {
            const v = X[i + j];
            if (v > acc[q] || v !== v) acc[q] = v;
          }
        } else for (let j = 0, q = p; j < inner; j++, q += io) acc[q] += X[i + j];
        for (let d = r - 2; d >= 0; d--) {
          idx[d]++; p += os[d];
          if (idx[d] < shape[d]) break;
          p -= os[d] * shape[d]; idx[d] = 0;
        }
      }
    }
  }
  if (kind === 'mean') {
    const cnt = n / Math.max(outSize, 1);
    for (let i = 0; i < outSize; i++) acc[i] /= cnt;
  }
  const out = allocArray(x.dtype, outSize);
  out.set(acc);
  return new Tensor(x.dtype, outShape, out);
}

/** Σ over N and the spatial axes of [N, C, …], per channel (accumulated in float64 like reduce()). */
function channelSumsOf(x: Tensor, outShape: number[]): Tensor {
  const N = x.shape[0], C = x.shape[1], out = new Float32Array(C);
  channelSums(x.data as Float32Array, N, C, x.size / (N * C), out);
  return new Tensor(x.dtype, outShape, out);
}

export const reduceSumKernel = ([x]: Tensor[], a: ReduceAttrs) => reduce(x, a, 'sum');
export const reduceMeanKernel = ([x]: Tensor[], a: ReduceAttrs) => reduce(x, a, 'mean');
export const reduceMaxKernel = ([x]: Tensor[], a: ReduceAttrs) => reduce(x, a, 'max');

/** Σ x² over all elements, as a float64 scalar (norms for clipping and metrics). */
export function sumSquaresKernel([x]: Tensor[]): Tensor {
  let s = 0;
  const X = x.data;
  for (let i = 0; i < X.length; i++) s += X[i] * X[i];
  return Tensor.from('float64', [], [s]);
}

export interface AxisAttrs { axis: number }

function split3(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

function softmaxImpl(x: Tensor, axis: number, log: boolean): Tensor {
  const [outer, len, inner] = split3(x.shape, axis);
  const X = x.data, out = allocArray(x.dtype, x.size);
  for (let o = 0; o < outer; o++) for (let k = 0; k < inner; k++) {
    const base = o * len * inner + k;
    let m = -Infinity;
    for (let j = 0; j < len; j++) m = Math.max(m, X[base + j * inner]);
    let s = 0;
    for (let j = 0; j < len; j++) s += Math.exp(X[base + j * inner] - m);
    if (log) {
      const ls = Math.log(s);
      for (let j = 0; j < len; j++) out[base + j * inner] = X[base + j * inner] - m - ls;
    } else for (let j = 0; j < len; j++) out[base + j * inner] = Math.exp(X[base + j * inner] - m) / s;
  }
  return new Tensor(x.dtype, x.shape, out);
}

export const softmaxKernel = ([x]: Tensor[], { axis }: AxisAttrs) => softmaxImpl(x, axis, false);
export const logSoftmaxKernel = ([x]: Tensor[], { axis }: AxisAttrs) => softmaxImpl(x, axis, true);

/** inputs [dy, y]: softmax dx = y(dy − Σdy·y); log-softmax dx = dy − e^y Σdy. */
function softmaxGradImpl(dy: Tensor, y: Tensor, axis: number, log: boolean): Tensor {
  const [outer, len, inner] = split3(y.shape, axis);
  const D = dy.data, Y = y.data, out = allocArray(dy.dtype, dy.size);
  for (let o = 0; o < outer; o++) for (let k = 0; k < inner; k++) {
    const base = o * len * inner + k;
    let s = 0;
    if (log) {
      for (let j = 0; j < len; j++) s += D[base + j * inner];
      for (let j = 0; j < len; j++) { const q = base + j * inner; out[q] = D[q] - Math.exp(Y[q]) * s; }
    } else {
      for (let j = 0; j < len; j++) s += D[base + j * inner] * Y[base + j * inner];
      for (let j = 0; j < len; j++) { const q = base + j * inner; out[q] = Y[q] * (D[q] - s); }
    }
  }
  return new Tensor(dy.dtype, dy.shape, out);
}

export const softmaxGradKernel = ([dy, y]: Tensor[], { axis }: AxisAttrs) => softmaxGradImpl(dy, y, axis, false);
export const logSoftmaxGradKernel = ([dy, y]: Tensor[], { axis }: AxisAttrs) => softmaxGradImpl(dy, y, axis, true);
