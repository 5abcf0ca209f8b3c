// Helpers shared by the op files: attribute access, axis normalization, and tensor math
// spelled as kernel calls (so backward formulas read like the maths).

import { K } from '../kernelNames';
import type { Backend } from '../backend';
import { allocArray, Tensor } from '../tensor';
import type { Attrs, MaybeTensor, OpContext } from './op';

export function attrInt(a: Attrs, name: string, def: number): number {
  const v = a[name];
  return typeof v === 'number' ? v : def;
}
export const attrFloat = attrInt;
export function attrStr(a: Attrs, name: string, def: string): string {
  const v = a[name];
  return typeof v === 'string' ? v : def;
}
export function attrInts(a: Attrs, name: string): number[] | undefined {
  const v = a[name];
  return Array.isArray(v) ? (v as number[]) : undefined;
}

/** The activation the executor fused into this Gemm/Conv node (its output is then the activation's). */
export function fusedActivation(a: Attrs): 'Relu' | undefined {
  return a.__activation === 'Relu' ? 'Relu' : undefined;
}

/** Marks a backward's temporary as dead once the step ends (see OpContext.scratch); returns it. */
export function scratch(ctx: OpContext, t: Tensor): Tensor {
  (ctx.scratch ??= []).push(t);
  return t;
}

export function normAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= Math.max(rank, 1)) throw new Error(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

export function req(t: MaybeTensor, what: string): Tensor {
  if (!t) throw new Error(`missing required input ${what}`);
  return t;
}

/** Scalar with the dtype of `like` (keeps float64 gradient checks in float64). */
export function scalarLike(v: number, like: Tensor): Tensor {
  const a = allocArray(like.dtype, 1);
  a[0] = v;
  return new Tensor(like.dtype, [], a);
}

export const add = (b: Backend, x: Tensor, y: Tensor) => b.run(K.Add, [x, y]);
export const sub = (b: Backend, x: Tensor, y: Tensor) => b.run(K.Sub, [x, y]);
export const mul = (b: Backend, x: Tensor, y: Tensor) => b.run(K.Mul, [x, y]);
export const div = (b: Backend, x: Tensor, y: Tensor) => b.run(K.Div, [x, y]);
export const neg = (b: Backend, x: Tensor) => b.run(K.Neg, [x]);
export const scale = (b: Backend, x: Tensor, s: number) => b.run(K.Mul, [x, scalarLike(s, x)]);

/** Sum a broadcast gradient back down to `shape` (the input's shape before broadcasting). */
export function unbroadcast(b: Backend, dy: Tensor, shape: readonly number[]): Tensor {
  if (dy.shape.length === shape.length && dy.shape.every((d, i) => d === shape[i])) return dy;
  const lead = dy.rank - shape.length, axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) if (i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
  const s = axes.length ? b.run(K.ReduceSum, [dy], { axes, keepdims: true }) : dy;
  return s.reshape(shape);
}

/** ONNX auto_pad → explicit [begins…, ends…] pads. */
export function resolvePads(
  autoPad: string, inSp: readonly number[], kSp: readonly number[], strides: number[], dilations: number[], pads: number[] | undefined,
): number[] {
  const nd = inSp.length;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const out = new Array<number>(2 * nd);
    for (let d = 0; d < nd; d++) {
      const o = Math.ceil(inSp[d] / strides[d]);
      const total = Math.max((o - 1) * strides[d] + (kSp[d] - 1) * dilations[d] + 1 - inSp[d], 0);
      const small = Math.floor(total / 2);
      out[d] = autoPad === 'SAME_UPPER' ? small : total - small;
      out[d + nd] = total - out[d];
    }
    return out;
  }
  if (autoPad === 'VALID') return new Array<number>(2 * nd).fill(0);
  return pads ?? new Array<number>(2 * nd).fill(0);
}
