// Reductions, softmax / log-softmax and their gradients, and Transpose, on CUDA.
// Reductions run over a [outer, len, inner] view; non-adjacent reduced axes are first moved
// to the end with a transpose.

import { K } from '../../kernelNames';
import { sizeOf, stridesOf, Tensor } from '../../tensor';
import { reducedShape, type AxisAttrs, type ReduceAttrs } from '../../cpu/kernels/reduce';
import { empty, ptrOf, type DeviceTensor } from '../deviceTensor';
import { cpuKernel, pad6, rt } from './util';

const KIND = { sum: 0, mean: 1, max: 2, sumsq: 3 } as const;

function blockFor(len: number): number {
  let b = 32;
  while (b < len && b < 1024) b *= 2;
  return Math.min(b, 256);
}

/** [outer, len, inner] → [outer, inner] on the device. */
export function reduce3(x: Tensor, outer: number, len: number, inner: number, kind: number): DeviceTensor {
  const r = rt(), out = empty(r, 'float32', [outer * inner]);
  if (inner === 1) r.launch('reduce_rows', [outer, 1, 1], [blockFor(len), 1, 1], 'ippii', [kind, ptrOf(r, x), out.buf.ptr, outer, len]);
  else r.launch1d('reduce_mid', outer * inner, 'ippiii', [kind, ptrOf(r, x), out.buf.ptr, outer, len, inner]);
  return out;
}

/** out = x permuted by perm (rank ≤ 6). */
export function transposeDevice(x: Tensor, perm: number[]): DeviceTensor {
  const r = rt(), xs = stridesOf(x.shape);
  const outShape = perm.map((p) => x.shape[p]);
  const out = empty(r, x.dtype, outShape);
  const P = pad6(outShape, perm.map((p) => xs[p]));
  r.launch1d('transpose', x.size, 'ppl' + 'i'.repeat(12), [ptrOf(r, x), out.buf.ptr, x.size, ...P.d, ...P.s]);
  return out;
}

function reduceKernel(kind: 'sum' | 'mean' | 'max') {
  const cpu = cpuKernel(kind === 'sum' ? K.ReduceSum : kind === 'mean' ? K.ReduceMean : K.ReduceMax);
  return (inputs: Tensor[], attrs: ReduceAttrs): Tensor => {
    const [x] = inputs;
    const r0 = x.rank, axes = [...new Set(attrs.axes.map((a) => (a < 0 ? a + r0 : a)))].sort((a, b) => a - b);
    if (x.dtype !== 'float32' || x.size === 0 || r0 === 0 || r0 > 6 || axes.length === 0) return cpu(inputs, attrs) as Tensor;
    const outShape = reducedShape(x.shape, axes, attrs.keepdims);
    const contiguous = axes[axes.length - 1] - axes[0] === axes.length - 1;
    let src = x, lo = axes[0], hi = axes[axes.length - 1];
    if (!contiguous) {
      const keep = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
      src = transposeDevice(x, [...keep, ...axes]);
      lo = keep.length; hi = r0 - 1;
    }
    const outer = sizeOf(src.shape.slice(0, lo)), len = sizeOf(src.shape.slice(lo, hi + 1)), inner = sizeOf(src.shape.slice(hi + 1));
    return reduce3(src, outer, len, inner, KIND[kind]).reshape(outShape);
  };
}

export const reduceSumKernel = reduceKernel('sum');
export const reduceMeanKernel = reduceKernel('mean');
export const reduceMaxKernel = reduceKernel('max');

/** Σ x² as a float64 scalar, like the CPU kernel (accumulated in float32 on the device). */
export function sumSquaresKernel(inputs: Tensor[]): Tensor {
  const [x] = inputs;
  if (x.dtype !== 'float32' || x.size === 0) return cpuKernel(K.SumSquares)(inputs, {}) as Tensor;
  const s = reduce3(x, 1, x.size, 1, KIND.sumsq);
  return Tensor.from('float64', [], [s.data[0]]);
}

function split3(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

function makeSoftmax(log: boolean) {
  const cpu = cpuKernel(log ? K.LogSoftmax : K.Softmax);
  return (inputs: Tensor[], attrs: AxisAttrs): Tensor => {
    const [x] = inputs;
    if (x.dtype !== 'float32' || x.size === 0) return cpu(inputs, attrs) as Tensor;
    const axis = attrs.axis < 0 ? attrs.axis + x.rank : attrs.axis;
    const [outer, len, inner] = split3(x.shape, axis);
    const r = rt(), y = empty(r, 'float32', x.shape);
    if (inner === 1) r.launch('softmax_rows', [outer, 1, 1], [blockFor(len), 1, 1], 'ppiii', [ptrOf(r, x), y.buf.ptr, outer, len, log ? 1 : 0]);
    else r.launch1d('softmax_mid', outer * inner, 'ppiiii', [ptrOf(r, x), y.buf.ptr, outer, len, inner, log ? 1 : 0]);
    return y;
  };
}

export const softmaxKernel = makeSoftmax(false);
export const logSoftmaxKernel = makeSoftmax(true);

function makeSoftmaxGrad(log: boolean) {
  const cpu = cpuKernel(log ? K.LogSoftmaxGrad : K.SoftmaxGrad);
  return (inputs: Tensor[], attrs: AxisAttrs): Tensor => {
    const [dy, y] = inputs;
    if (dy.dtype !== 'float32' || y.dtype !== 'float32' || y.size === 0) return cpu(inputs, attrs) as Tensor;
    const axis = attrs.axis < 0 ? attrs.axis + y.rank : attrs.axis;
    const [outer, len, inner] = split3(y.shape, axis);
    const r = rt(), dx = empty(r, 'float32', dy.shape);
    r.launch1d('softmax_grad', outer * inner, 'pppiiii', [ptrOf(r, dy), ptrOf(r, y), dx.buf.ptr, outer, len, inner, log ? 1 : 0]);
    return dx;
  };
}

export const softmaxGradKernel = makeSoftmaxGrad(false);
export const logSoftmaxGradKernel = makeSoftmaxGrad(true);

export function transposeKernel(inputs: Tensor[], attrs: { perm?: number[] }): Tensor {
  const [x] = inputs;
  const perm = attrs.perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (x.dtype !== 'float32' || x.rank > 6 || x.size === 0) return cpuKernel(K.Transpose)(inputs, attrs) as Tensor;
  return transposeDevice(x, perm);
}
