// Ops that only reshape, reorder or describe tensors: Flatten, Reshape, Squeeze, Unsqueeze,
// Identity, Transpose, Expand, Shape, Size, Constant, ConstantOfShape, Cast, CastLike.

import { K } from '../kernelNames';
import { dtypeFromOnnx } from '../dtypes';
import { isFloat, sizeOf, Tensor } from '../tensor';
import { broadcastShapes } from '../cpu/kernels/elementwise';
import type { Attrs, BackwardArgs, MaybeTensor, OpContext, OpTable } from './op';
import { attrInt, attrInts, normAxis, unbroadcast } from './util';

const reshapeBack = (_: OpContext, { inputs: [x], dys: [g] }: BackwardArgs) => [g!.reshape(x!.shape)];

/** Axes from input 1 (newer opsets) or the `axes` attribute (older). */
function axesOf(inputs: MaybeTensor[], a: Attrs): number[] | undefined {
  return inputs[1] ? inputs[1].toNumbers() : attrInts(a, 'axes');
}

export function reshapeTarget(x: Tensor, spec: number[], allowZero: boolean): number[] {
  const out = spec.map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d));
  const neg = out.indexOf(-1);
  if (neg >= 0) {
    const known = out.reduce((p, d, i) => (i === neg ? p : p * d), 1);
    out[neg] = known === 0 ? 0 : x.size / known;
  }
  if (sizeOf(out) !== x.size || !Number.isInteger(out[Math.max(neg, 0)] ?? 0)) {
    throw new Error(`cannot reshape [${x.shape.join(',')}] to [${spec.join(',')}]`);
  }
  return out;
}

function permOf(x: Tensor, a: Attrs): number[] {
  return attrInts(a, 'perm') ?? x.shape.map((_, i) => x.rank - 1 - i);
}

export const shapeOps: OpTable = {
  Identity: { forward: (_, [x]) => [x], backward: (_, { dys: [g] }) => [g] },
  Flatten: {
    forward: (_, [x], a) => {
      const axis = attrInt(a, 'axis', 1), ax = axis < 0 ? axis + x!.rank : axis;
      const outer = sizeOf(x!.shape.slice(0, ax));
      return [x!.reshape([outer, sizeOf(x!.shape.slice(ax))])];
    },
    backward: reshapeBack,
  },
  Reshape: {
    forward: (_, [x, s], a) => [x!.reshape(reshapeTarget(x!, s ? s.toNumbers() : attrInts(a, 'shape')!, attrInt(a, 'allowzero', 0) === 1))],
    backward: reshapeBack,
  },
  Squeeze: {
    forward: (_, inputs, a) => {
      const x = inputs[0]!, axes = axesOf(inputs, a)?.map((v) => normAxis(v, x.rank));
      for (const ax of axes ?? []) if (x.shape[ax] !== 1) throw new Error(`Squeeze: dimension ${ax} of [${x.shape.join(',')}] is not 1`);
      return [x.reshape(x.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)))];
    },
    backward: reshapeBack,
  },
  Unsqueeze: {
    forward: (_, inputs, a) => {
      const x = inputs[0]!, axes = axesOf(inputs, a) ?? [];
      const r = x.rank + axes.length, norm = axes.map((v) => normAxis(v, r));
      const shape: number[] = [];
      let j = 0;
      for (let i = 0; i < r; i++) shape.push(norm.includes(i) ? 1 : x.shape[j++]);
      return [x.reshape(shape)];
    },
    backward: reshapeBack,
  },
  Transpose: {
    forward: ({ backend: b }, [x], a) => [b.run(K.Transpose, [x!], { perm: permOf(x!, a) })],
    backward: ({ backend: b }, { inputs: [x], dys: [g], attrs }) => {
      const perm = permOf(x!, attrs), inv = new Array<number>(perm.length);
      perm.forEach((p, i) => { inv[p] = i; });
      return [b.run(K.Transpose, [g!], { perm: inv })];
    },
  },
  Expand: {
    forward: ({ backend: b }, [x, s]) => [b.run(K.Expand, [x!], { shape: broadcastShapes(x!.shape, s!.toNumbers()) })],
    backward: ({ backend: b }, { inputs: [x], dys: [g] }) => [unbroadcast(b, g!, x!.shape)],
  },
  Shape: {
    forward: (_, [x], a) => {
      const r = x!.rank, clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
      const start = clamp(attrInt(a, 'start', 0)), end = clamp(attrInt(a, 'end', r));
      const dims = x!.shape.slice(start, Math.max(start, end));
      return [Tensor.from('int64', [dims.length], dims)];
    },
  },
  Size: { forward: (_, [x]) => [Tensor.from('int64', [], [x!.size])] },
  Constant: {
    forward: (_, __, a) => {
      if (a.value instanceof Tensor) return [a.value];
      if (typeof a.value_float === 'number') return [Tensor.from('float32', [], [a.value_float])];
      if (Array.isArray(a.value_floats)) return [Tensor.from('float32', [a.value_floats.length], a.value_floats as number[])];
      if (typeof a.value_int === 'number') return [Tensor.from('int64', [], [a.value_int])];
      if (Array.isArray(a.value_ints)) return [Tensor.from('int64', [a.value_ints.length], a.value_ints as number[])];
      throw new Error('Constant: unsupported value attribute (sparse or string)');
    },
  },
  ConstantOfShape: {
    forward: ({ backend: b }, [s], a) => {
      const v = a.value instanceof Tensor ? a.value : Tensor.from('float32', [1], [0]);
      return [b.run(K.Fill, [], { shape: s ? s.toNumbers() : [], value: v.data[0], dtype: v.dtype })];
    },
  },
  Cast: {
    forward: ({ backend: b }, [x], a) => [b.run(K.Cast, [x!], { to: dtypeFromOnnx(attrInt(a, 'to', 1), 'Cast') })],
    backward: ({ backend: b }, { inputs: [x], dys: [g] }) => [isFloat(x!.dtype) ? b.run(K.Cast, [g!], { to: x!.dtype }) : undefined],
  },
  CastLike: {
    forward: ({ backend: b }, [x, t]) => [b.run(K.Cast, [x!], { to: t!.dtype })],
    backward: ({ backend: b }, { inputs: [x], dys: [g] }) => [isFloat(x!.dtype) ? b.run(K.Cast, [g!], { to: x!.dtype }) : undefined, undefined],
  },
};
