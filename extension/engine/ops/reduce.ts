// ReduceSum, ReduceMean, ReduceMax (axes as input or attribute, keepdims, noop_with_empty_axes).

import { K } from '../kernelNames';
import type { Tensor } from '../tensor';
import { reducedShape } from '../cpu/kernels/reduce';
import type { Attrs, MaybeTensor, OpContext, OpDef, OpTable } from './op';
import { attrInt, attrInts, normAxis, scalarLike } from './util';

/** Sorted, normalized axes; null means identity (noop_with_empty_axes with no axes). */
function axesOf(ctx: OpContext, inputs: MaybeTensor[], a: Attrs, inputSince: number): number[] | null {
  const x = inputs[0]!;
  const given = ctx.opset >= inputSince ? inputs[1]?.toNumbers() : attrInts(a, 'axes');
  if (!given || given.length === 0) {
    if (attrInt(a, 'noop_with_empty_axes', 0) === 1) return null;
    return x.shape.map((_, i) => i);
  }
  return [...new Set(given.map((v) => normAxis(v, x.rank)))].sort((p, q) => p - q);
}

function reduceOp(kernel: 'ReduceSum' | 'ReduceMean' | 'ReduceMax', inputSince: number): OpDef {
  return {
    forward: (ctx, inputs, a) => {
      const axes = axesOf(ctx, inputs, a, inputSince);
      if (!axes) return [inputs[0]!];
      return [ctx.backend.run(K[kernel], [inputs[0]!], { axes, keepdims: attrInt(a, 'keepdims', 1) === 1 })];
    },
    backward: (ctx, { inputs, outputs: [y], dys: [g], attrs }) => {
      const b = ctx.backend, x = inputs[0]!;
      const axes = axesOf(ctx, inputs, attrs, inputSince);
      if (!axes) return [g];
      const kept = reducedShape(x.shape, axes, true);
      let gx = b.run(K.Expand, [g!.reshape(kept)], { shape: x.shape as number[] });
      if (kernel === 'ReduceMean') {
        const n = axes.reduce((p, ax) => p * x.shape[ax], 1);
        gx = b.run(K.Mul, [gx, scalarLike(1 / n, gx)]);
      } else if (kernel === 'ReduceMax') {
        // ties share the gradient equally (as PyTorch's amax)
        const mask = b.run(K.Cast, [b.run(K.Equal, [x, y!.reshape(kept)])], { to: g!.dtype });
        const count = b.run(K.ReduceSum, [mask], { axes, keepdims: true });
        gx = b.run(K.Div, [b.run(K.Mul, [gx, mask]), count]);
      }
      return [gx as Tensor];
    },
  };
}

export const reduceOps: OpTable = {
  ReduceSum: reduceOp('ReduceSum', 13),
  ReduceMean: reduceOp('ReduceMean', 18),
  ReduceMax: reduceOp('ReduceMax', 18),
};
