// Activations and the softmax family, each with its gradient.

import { K } from '../kernelNames';
import type { Tensor } from '../tensor';
import type { OpContext, OpDef, OpTable, MaybeTensor } from './op';
import { attrFloat, attrInt, attrStr, normAxis } from './util';

/** y = f(x) with dx = UnaryGrad(dy, x or y). */
function unary(kernel: keyof typeof K, gradFrom: 'x' | 'y', attrsOf: (a: Record<string, unknown>) => object = () => ({})): OpDef {
  return {
    forward: ({ backend: b }, [x], a) => [b.run(K[kernel], [x!], attrsOf(a))],
    backward: ({ backend: b }, { inputs: [x], outputs: [y], dys: [g], attrs, dyOwned }) =>
      [b.run(K.UnaryGrad, [g!, gradFrom === 'x' ? x! : y!], { op: kernel, ...attrsOf(attrs), inPlace: dyOwned?.[0] })],
  };
}

/** Clip bounds: inputs (opset ≥ 11) or attributes (older). */
function clipBounds(inputs: MaybeTensor[], a: Record<string, unknown>, opset: number) {
  if (opset >= 11) return { min: inputs[1]?.data[0], max: inputs[2]?.data[0] };
  return { min: (a.min as number | undefined) ?? -Infinity, max: (a.max as number | undefined) ?? Infinity };
}

/** Softmax over one axis (opset ≥ 13); older opsets flatten to 2-D at axis first. */
function softmaxLike(kernel: 'Softmax' | 'LogSoftmax', grad: 'SoftmaxGrad' | 'LogSoftmaxGrad'): OpDef {
  const prep = (ctx: OpContext, x: Tensor, axis0: number): [Tensor, number] => {
    const axis = normAxis(axis0, x.rank);
    if (ctx.opset >= 13) return [x, axis];
    const outer = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
    return [x.reshape([outer, x.size / Math.max(outer, 1)]), 1];
  };
  return {
    forward: (ctx, [x], a) => {
      const [xx, axis] = prep(ctx, x!, attrInt(a, 'axis', ctx.opset >= 13 ? -1 : 1));
      return [ctx.backend.run(K[kernel], [xx], { axis }).reshape(x!.shape)];
    },
    backward: (ctx, { inputs: [x], outputs: [y], dys: [g], attrs }) => {
      const [yy, axis] = prep(ctx, y!, attrInt(attrs, 'axis', ctx.opset >= 13 ? -1 : 1));
      return [ctx.backend.run(K[grad], [g!.reshape(yy.shape), yy], { axis }).reshape(x!.shape)];
    },
  };
}

export const activationOps: OpTable = {
  Relu: unary('Relu', 'x'),
  LeakyRelu: unary('LeakyRelu', 'x', (a) => ({ alpha: attrFloat(a as never, 'alpha', 0.01) })),
  Sigmoid: unary('Sigmoid', 'y'),
  Tanh: unary('Tanh', 'y'),
  Gelu: unary('Gelu', 'x', (a) => ({ approximate: attrStr(a as never, 'approximate', 'none') })),
  Clip: {
    forward: (ctx, inputs, a) => [ctx.backend.run(K.Clip, [inputs[0]!], clipBounds(inputs, a, ctx.opset))],
    backward: (ctx, { inputs, dys: [g], attrs }) =>
      [ctx.backend.run(K.UnaryGrad, [g!, inputs[0]!], { op: 'Clip', ...clipBounds(inputs, attrs, ctx.opset) })],
  },
  Softmax: softmaxLike('Softmax', 'SoftmaxGrad'),
  LogSoftmax: softmaxLike('LogSoftmax', 'LogSoftmaxGrad'),
};
