// Elementwise CPU kernels: broadcasting binary ops, Where, unary maps, fused unary
// gradients, Cast, Fill and Expand.

import { biasAct, reluGrad } from '../gemm';
import { allocArray, allocFloat32Uninit, isFloat, sizeOf, Tensor, type DType, type TypedArray } from '../../tensor';
import { roundToBf16, roundToHalf } from '../../float16';
import { erf } from './math';

export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1, db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`Shapes [${a.join(',')}] and [${b.join(',')}] cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` seen from an output of rank `rank`, 0 on broadcast dimensions. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const r = outShape.length, s = new Array<number>(r).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const oi = r - shape.length + i;
    s[oi] = shape[i] === 1 && outShape[oi] !== 1 ? 0 : acc;
    acc *= shape[i];
  }
  return s;
}

type BinFn = (x: number, y: number) => number;

/** out[i] = f(a[ia], b[ib]) over the broadcast shape. Inner dimension runs in a tight loop. */
export function binaryLoop(a: Tensor, b: Tensor, outDtype: DType, f: BinFn): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const n = sizeOf(shape);
  const out = allocArray(outDtype, n);
  const A = a.data, B = b.data;
  if (a.size === n && b.size === n) {
    for (let i = 0; i < n; i++) out[i] = f(A[i], B[i]);
  } else if (b.size === 1 && a.size === n) {
    const y = B[0];
    for (let i = 0; i < n; i++) out[i] = f(A[i], y);
  } else if (a.size === 1 && b.size === n) {
    const x = A[0];
    for (let i = 0; i < n; i++) out[i] = f(x, B[i]);
  } else if (n > 0) {
    const r = shape.length;
    const sa = broadcastStrides(a.shape, shape), sb = broadcastStrides(b.shape, shape);
    const inner = shape[r - 1], ia = sa[r - 1], ib = sb[r - 1];
    const idx = new Array<number>(r).fill(0);
    let pa = 0, pb = 0;
    for (let o = 0; o < n; o += inner) {
      for (let j = 0, qa = pa, qb = pb; j < inner; j++, qa += ia, qb += ib) out[o + j] = f(A[qa], B[qb]);
      for (let d = r - 2; d >= 0; d--) {
        idx[d]++; pa += sa[d]; pb += sb[d];
        if (idx[d] < shape[d]) break;
        pa -= sa[d] * shape[d]; pb -= sb[d] * shape[d]; idx[d] = 0;
      }
    }
  }
  return new Tensor(outDtype, shape, normalizeInts(outDtype, out));
}

/** Integer dtypes stored in Float64Array need explicit truncation / wrap-around. */
export function normalizeInts(dtype: DType, out: TypedArray): TypedArray {
  if (!(out instanceof Float64Array) || isFloat(dtype)) return out;
  if (dtype === 'int64') for (let i = 0; i < out.length; i++) out[i] = Math.trunc(out[i]);
  else {
    const m = dtype === 'uint32' ? 2 ** 32 : 2 ** 64;
    for (let i = 0; i < out.length; i++) { const t = Math.trunc(out[i]) % m; out[i] = t < 0 ? t + m : t; }
  }
  return out;
}

function roundFor(dtype: DType, t: TypedArray): TypedArray {
  if (dtype === 'float16') for (let i = 0; i < t.length; i++) t[i] = roundToHalf(t[i]);
  else if (dtype === 'bfloat16') for (let i = 0; i < t.length; i++) t[i] = roundToBf16(t[i]);
  return t;
}

const binaryFns: Record<string, BinFn> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Mul: (x, y) => x * y,
  Div: (x, y) => x / y,
  Pow: (x, y) => Math.pow(x, y),
  Max: (x, y) => (x !== x || y !== y ? NaN : x > y ? x : y),
  Min: (x, y) => (x !== x || y !== y ? NaN : x < y ? x : y),
  Equal: (x, y) => (x === y ? 1 : 0),
  Less: (x, y) => (x < y ? 1 : 0),
  Greater: (x, y) => (x > y ? 1 : 0),
};

export function binaryKernel(name: keyof typeof binaryFns) {
  const f = binaryFns[name];
  const logical = name === 'Equal' || name === 'Less' || name === 'Greater';
  return ([a, b]: Tensor[]): Tensor => {
    const dtype: DType = logical ? 'bool' : a.dtype;
    const t = binaryLoop(a, b, dtype, f);
    roundFor(dtype, t.data);
    return t;
  };
}

export function whereKernel([cond, x, y]: Tensor[]): Tensor {
  // Where(c, x, y) = c ? x : y; broadcast c against x first, then the result against y.
  const shape = broadcastShapes(broadcastShapes(cond.shape, x.shape), y.shape);
  const ones = (t: Tensor) => binaryLoop(t, Tensor.zeros('bool', shape), t.dtype, (v) => v);
  const c = ones(cond), xv = ones(x), yv = ones(y);
  const out = allocArray(x.dtype, c.size);
  for (let i = 0; i < out.length; i++) out[i] = c.data[i] ? xv.data[i] : yv.data[i];
  return new Tensor(x.dtype, shape, out);
}

export interface UnaryAttrs { alpha?: number; min?: number; max?: number; approximate?: string }

const SQRT_2_PI = Math.sqrt(2 / Math.PI);

function unaryFn(name: string, at: UnaryAttrs): (x: number) => number {
  switch (name) {
    case 'Neg': return (x) => -x;
    case 'Abs': return (x) => Math.abs(x);
    case 'Exp': return (x) => Math.exp(x);
    case 'Log': return (x) => Math.log(x);
    case 'Sqrt': return (x) => Math.sqrt(x);
    case 'Erf': return erf;
    case 'Reciprocal': return (x) => 1 / x;
    case 'Sign': return (x) => (x > 0 ? 1 : x < 0 ? -1 : 0);
    case 'Relu': return (x) => (x > 0 ? x : 0);
    case 'LeakyRelu': { const a = at.alpha ?? 0.01; return (x) => (x >= 0 ? x : a * x); }
    case 'Sigmoid': return (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
    case 'Tanh': return Math.tanh;
    case 'Gelu':
      if (at.approximate === 'tanh') return (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_PI * (x + 0.044715 * x * x * x)));
      return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'Clip': {
      const lo = at.min ?? -Infinity, hi = at.max ?? Infinity;
      // min first, then max: with min > max every value becomes max (ONNX)
      return (x) => { const v = x < lo ? lo : x; return v > hi ? hi : v; };
    }
    default: throw new Error(`Unknown unary kernel ${name}`);
  }
}

export function unaryKernel(name: string) {
  return ([x]: Tensor[], attrs: UnaryAttrs = {}): Tensor => {
    if (name === 'Relu' && x.data instanceof Float32Array) {
      // native (or plain-loop) pass instead of a closure call per element
      const out = allocFloat32Uninit(x.size);
      out.set(x.data);
      if (out.length) biasAct(out, 0, 1, out.length, out.length, null, true);
      return new Tensor(x.dtype, x.shape, out);
    }
    const f = unaryFn(name, attrs);
    const X = x.data, out = allocArray(x.dtype, x.size);
    for (let i = 0; i < out.length; i++) out[i] = f(X[i]);
    return new Tensor(x.dtype, x.shape, roundFor(x.dtype, normalizeInts(x.dtype, out)));
  };
}

export interface UnaryGradAttrs extends UnaryAttrs {
  op: string;
  /** the result may go into dy's storage (the caller owns dy and drops it); a hint, taken by the ReLU path */
  inPlace?: boolean;
}

/**
 * Fused derivative: inputs [dy, t] where t is the forward input x (Relu, LeakyRelu, Gelu,
 * Erf, Clip, Abs) or the forward output y (Sigmoid, Tanh, Sqrt, Exp, Reciprocal).
 */
export function unaryGradKernel([dy, t]: Tensor[], at: UnaryGradAttrs): Tensor {
  if (at.op === 'Relu' && dy.data instanceof Float32Array && t.data instanceof Float32Array && t.size === dy.size) {
    // in place: dy was just written by the next layer's backward and sits in cache, where a
    // recycled buffer for dx comes from memory
    const dx = at.inPlace ? dy.data : allocFloat32Uninit(dy.size); // reluGrad writes every element
    reluGrad(dy.data, t.data, dx);
    return new Tensor(dy.dtype, dy.shape, dx);
  }
  const D = dy.data, T = t.data, n = dy.size, out = allocArray(dy.dtype, n);
  switch (at.op) {
    case 'Relu': for (let i = 0; i < n; i++) out[i] = T[i] > 0 ? D[i] : 0; break;
    case 'LeakyRelu': { const a = at.alpha ?? 0.01; for (let i = 0; i < n; i++) out[i] = T[i] > 0 ? D[i] : a * D[i]; break; }
    case 'Sigmoid': for (let i = 0; i < n; i++) out[i] = D[i] * T[i] * (1 - T[i]); break;
    case 'Tanh': for (let i = 0; i < n; i++) out[i] = D[i] * (1 - T[i] * T[i]); break;
    case 'Sqrt': for (let i = 0; i < n; i++) out[i] = (D[i] * 0.5) / T[i]; break;
    case 'Exp': for (let i = 0; i < n; i++) out[i] = D[i] * T[i]; break;
    case 'Reciprocal': for (let i = 0; i < n; i++) out[i] = -D[i] * T[i] * T[i]; break;
    case 'Abs': for (let i = 0; i < n; i++) out[i] = T[i] > 0 ? D[i] : T[i] < 0 ? -D[i] : 0; break;
    case 'Erf': { const c = 2 / Math.sqrt(Math.PI); for (let i = 0; i < n; i++) out[i] = D[i] * c * Math.exp(-T[i] * T[i]); break; }
    case 'Clip': {
      const lo = at.min ?? -Infinity, hi = at.max ?? Infinity;
      // PyTorch passes the gradient where lo <= x <= hi
      for (let i = 0; i < n; i++) out[i] = T[i] >= lo && T[i] <= hi ? D[i] : 0;
      break;
    }
    case 'Gelu':
      if (at.approximate === 'tanh') {
        for (let i = 0; i < n; i++) {
          const x = T[i], u = SQRT_2_PI * (x + 0.044715 * x * x * x), th = Math.tanh(u);
          const du = SQRT_2_PI * (1 + 3 * 0.044715 * x * x);
          out[i] = D[i] * (0.5 * (1 + th) + 0.5 * x * (1 - th * th) * du);
        }
      } else {
        const c = 1 / Math.sqrt(2 * Math.PI);
        for (let i = 0; i < n; i++) {
          const x = T[i];
          out[i] = D[i] * (0.5 * (1 + erf(x / Math.SQRT2)) + x * c * Math.exp(-0.5 * x * x));
        }
      }
      break;
    default: throw new Error(`Unknown unary gradient ${at.op}`);
  }
  return new Tensor(dy.dtype, dy.shape, out);
}

export interface CastAttrs { to: DType }

export function castKernel([x]: Tensor[], { to }: CastAttrs): Tensor {
  const out = allocArray(to, x.size), X = x.data;
  if (to === 'bool') for (let i = 0; i < out.length; i++) out[i] = X[i] !== 0 ? 1 : 0;
  else if (!isFloat(to) && isFloat(x.dtype)) {
    for (let i = 0; i < out.length; i++) out[i] = Math.trunc(X[i]);
  } else out.set(X);
  return new Tensor(to, x.shape, roundFor(to, normalizeInts(to, out)));
}

export interface FillAttrs { shape: number[]; value: number; dtype: DType }

export function fillKernel(_: Tensor[], { shape, value, dtype }: FillAttrs): Tensor {
  const out = allocArray(dtype, sizeOf(shape));
  out.fill(value);
  return new Tensor(dtype, shape, out);
}

/** Expand: broadcast x to shape (the result shape is broadcast(x.shape, shape)). */
export function expandKernel([x]: Tensor[], { shape }: { shape: number[] }): Tensor {
  return binaryLoop(x, Tensor.zeros('bool', shape), x.dtype, (v) => v);
}
