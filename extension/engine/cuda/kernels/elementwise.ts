// Elementwise CUDA kernels: broadcasting binary ops, unary maps, fused unary gradients, Cast,
// Fill, Expand. Non-float32 inputs and ranks above 6 run the CPU kernel.

import { K, type KernelName } from '../../kernelNames';
import type { KernelFunc } from '../../registry';
import { sizeOf, type Tensor } from '../../tensor';
import { broadcastShapes, broadcastStrides, type CastAttrs, type UnaryAttrs, type UnaryGradAttrs } from '../../cpu/kernels/elementwise';
import { empty, ptrOf, storageOf } from '../deviceTensor';
import { allF32, cpuKernel, pad6, rt } from './util';

const BIN = { Add: 0, Sub: 1, Mul: 2, Div: 3, Pow: 4, Max: 5, Min: 6 } as const;
const B_FIRST = 10;

function broadcastOp(op: number, a: Tensor, b: Tensor, outShape: number[]): Tensor {
  const r = rt(), n = sizeOf(outShape), out = empty(r, 'float32', outShape);
  const pa = ptrOf(r, a), pb = ptrOf(r, b);
  if (a.size === n && (b.size === n || b.size === 1)) {
    r.launch1d('binary_flat', n, 'ipppli', [op, pa, pb, out.buf.ptr, n, b.size === 1 && n !== 1 ? 1 : 0]);
  } else {
    const A = pad6(outShape, broadcastStrides(a.shape, outShape)), B = pad6(outShape, broadcastStrides(b.shape, outShape));
    r.launch1d('binary_bcast', n, 'ippplii' + 'i'.repeat(16), [op, pa, pb, out.buf.ptr, n, ...A.d, ...A.s, ...B.s]);
  }
  return out;
}

export function binaryKernel(name: keyof typeof BIN): KernelFunc {
  const cpu = cpuKernel(K[name]);
  return (inputs: Tensor[], attrs) => {
    const [a, b] = inputs;
    if (!allF32([a, b])) return cpu(inputs, attrs);
    const shape = broadcastShapes(a.shape, b.shape);
    if (shape.length > 6 || sizeOf(shape) === 0) return cpu(inputs, attrs);
    return broadcastOp(BIN[name], a, b, shape);
  };
}

export function expandKernel(inputs: Tensor[], attrs: { shape: number[] }): Tensor {
  const [x] = inputs;
  const shape = broadcastShapes(x.shape, attrs.shape);
  if (x.dtype !== 'float32' || shape.length > 6 || sizeOf(shape) === 0) return cpuKernel(K.Expand)(inputs, attrs) as Tensor;
  return broadcastOp(B_FIRST, x, x, shape);
}

const UN: Record<string, number> = {
  Neg: 0, Abs: 1, Exp: 2, Log: 3, Sqrt: 4, Erf: 5, Reciprocal: 6, Relu: 7, LeakyRelu: 8, Sigmoid: 9, Tanh: 10,
  Gelu: 11, GeluTanh: 12, Clip: 13, Sign: 14,
};

function unaryCode(name: string, at: UnaryAttrs): number {
  return name === 'Gelu' && at.approximate === 'tanh' ? UN.GeluTanh : UN[name];
}

function params(name: string, at: UnaryAttrs): number[] {
  const alpha = at.alpha ?? 0.01;
  return [alpha, at.min ?? -Infinity, at.max ?? Infinity].map((v, i) => (name === 'Clip' || i === 0 ? v : 0));
}

export function unaryKernel(name: string): KernelFunc {
  const cpu = cpuKernel(name as KernelName);
  return (inputs: Tensor[], attrs: UnaryAttrs = {}) => {
    const [x] = inputs;
    if (x.dtype !== 'float32' || x.size === 0) return cpu(inputs, attrs);
    const r = rt(), out = empty(r, 'float32', x.shape);
    r.launch1d('unary', x.size, 'ippl' + 'fff', [unaryCode(name, attrs), ptrOf(r, x), out.buf.ptr, x.size, ...params(name, attrs)]);
    return out;
  };
}

const GRAD_OPS = new Set(['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Sqrt', 'Exp', 'Reciprocal', 'Abs', 'Erf', 'Clip', 'Gelu']);

export function unaryGradKernel(inputs: Tensor[], attrs: UnaryGradAttrs): Tensor {
  const [dy, t] = inputs;
  // the host fallback must not write into dy's downloaded copy (inPlace is only a hint)
  if (!allF32([dy, t]) || !GRAD_OPS.has(attrs.op) || dy.size !== t.size || dy.size === 0) return cpuKernel(K.UnaryGrad)(inputs, { ...attrs, inPlace: false }) as Tensor;
  const r = rt(), out = empty(r, 'float32', dy.shape);
  r.launch1d('unary_grad', dy.size, 'ipppl' + 'fff', [unaryCode(attrs.op, attrs), ptrOf(r, dy), ptrOf(r, t), out.buf.ptr, dy.size, ...params(attrs.op, attrs)]);
  return out;
}

export function castKernel(inputs: Tensor[], attrs: CastAttrs): Tensor {
  const [x] = inputs, from = storageOf(x.dtype), to = storageOf(attrs.to);
  if (!from || !to || x.size === 0) return cpuKernel(K.Cast)(inputs, attrs) as Tensor;
  if (x.dtype === 'float32' && attrs.to === 'float32') return x;
  const r = rt(), out = empty(r, attrs.to, x.shape);
  if (from === 'f32' && to === 'i32') {
    r.launch1d('cast_f32_i32', x.size, 'ppli', [ptrOf(r, x), out.buf.ptr, x.size, attrs.to === 'bool' ? 1 : 0]);
  } else if (from === 'i32' && to === 'f32') {
    r.launch1d('cast_i32_f32', x.size, 'ppl', [ptrOf(r, x), out.buf.ptr, x.size]);
  } else return cpuKernel(K.Cast)(inputs, attrs) as Tensor; // int → int: wrap-around rules live in the CPU kernel
  return out;
}

export function fillKernel(inputs: Tensor[], attrs: { shape: number[]; value: number; dtype: string }): Tensor {
  if (attrs.dtype !== 'float32' || sizeOf(attrs.shape) === 0) return cpuKernel(K.Fill)(inputs, attrs) as Tensor;
  const r = rt(), out = empty(r, 'float32', attrs.shape);
  r.launch1d('fill_f32', out.size, 'plf', [out.buf.ptr, out.size, attrs.value]);
  return out;
}
