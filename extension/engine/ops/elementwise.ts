// Arithmetic and comparison ops (numpy broadcasting) with their gradients.

import { K } from '../kernelNames';
import type { Tensor } from '../tensor';
import type { OpTable } from './op';
import { add, div, mul, neg, scalarLike, sub, unbroadcast } from './util';

const ub = unbroadcast;

export const elementwiseOps: OpTable = {
  Add: {
    forward: ({ backend: b }, [x, y]) => [add(b, x!, y!)],
    backward: ({ backend: b }, { inputs: [x, y], dys: [g] }) => [ub(b, g!, x!.shape), ub(b, g!, y!.shape)],
  },
  Sub: {
    forward: ({ backend: b }, [x, y]) => [sub(b, x!, y!)],
    backward: ({ backend: b }, { inputs: [x, y], dys: [g], needs }) =>
      [ub(b, g!, x!.shape), needs[1] ? ub(b, neg(b, g!), y!.shape) : undefined],
  },
  Mul: {
    forward: ({ backend: b }, [x, y]) => [mul(b, x!, y!)],
    backward: ({ backend: b }, { inputs: [x, y], dys: [g], needs }) => [
      needs[0] ? ub(b, mul(b, g!, y!), x!.shape) : undefined,
      needs[1] ? ub(b, mul(b, g!, x!), y!.shape) : undefined,
    ],
  },
  Div: {
    forward: ({ backend: b }, [x, y]) => [div(b, x!, y!)],
    // d(x/y)/dx = 1/y ; d(x/y)/dy = −(x/y)/y
    backward: ({ backend: b }, { inputs: [x, y], outputs: [z], dys: [g], needs }) => [
      needs[0] ? ub(b, div(b, g!, y!), x!.shape) : undefined,
      needs[1] ? ub(b, neg(b, div(b, mul(b, g!, z!), y!)), y!.shape) : undefined,
    ],
  },
  Pow: {
    forward: ({ backend: b }, [x, y]) => [b.run(K.Pow, [x!, y!])],
    // d(x^y)/dx = y·x^(y−1) ; d(x^y)/dy = x^y·ln x
    backward: ({ backend: b }, { inputs: [x, y], outputs: [z], dys: [g], needs }) => {
      const yy = y!.dtype === x!.dtype ? y! : b.run(K.Cast, [y!], { to: x!.dtype });
      return [
        needs[0] ? ub(b, mul(b, g!, mul(b, yy, b.run(K.Pow, [x!, sub(b, yy, scalarLike(1, yy))]))), x!.shape) : undefined,
        needs[1] ? ub(b, mul(b, g!, mul(b, z!, b.run(K.Log, [x!]))), y!.shape) : undefined,
      ];
    },
  },
  Neg: {
    forward: ({ backend: b }, [x]) => [neg(b, x!)],
    backward: ({ backend: b }, { dys: [g] }) => [neg(b, g!)],
  },
  Abs: {
    forward: ({ backend: b }, [x]) => [b.run(K.Abs, [x!])],
    backward: ({ backend: b }, { inputs: [x], dys: [g] }) => [b.run(K.UnaryGrad, [g!, x!], { op: 'Abs' })],
  },
  Exp: {
    forward: ({ backend: b }, [x]) => [b.run(K.Exp, [x!])],
    backward: ({ backend: b }, { outputs: [y], dys: [g] }) => [b.run(K.UnaryGrad, [g!, y!], { op: 'Exp' })],
  },
  Log: {
    forward: ({ backend: b }, [x]) => [b.run(K.Log, [x!])],
    backward: ({ backend: b }, { inputs: [x], dys: [g] }) => [div(b, g!, x!)],
  },
  Sqrt: {
    forward: ({ backend: b }, [x]) => [b.run(K.Sqrt, [x!])],
    backward: ({ backend: b }, { outputs: [y], dys: [g] }) => [b.run(K.UnaryGrad, [g!, y!], { op: 'Sqrt' })],
  },
  Reciprocal: {
    forward: ({ backend: b }, [x]) => [b.run(K.Reciprocal, [x!])],
    backward: ({ backend: b }, { outputs: [y], dys: [g] }) => [b.run(K.UnaryGrad, [g!, y!], { op: 'Reciprocal' })],
  },
  Erf: {
    forward: ({ backend: b }, [x]) => [b.run(K.Erf, [x!])],
    backward: ({ backend: b }, { inputs: [x], dys: [g] }) => [b.run(K.UnaryGrad, [g!, x!], { op: 'Erf' })],
  },
  Sum: {
    forward: ({ backend: b }, xs) => [xs.slice(1).reduce((s: Tensor, x) => add(b, s, x!), xs[0]!)],
    backward: ({ backend: b }, { inputs, dys: [g] }) => inputs.map((x) => ub(b, g!, x!.shape)),
  },
  // Max/Min: the gradient flows to every input equal to the result (ties all receive it).
  Max: {
    forward: ({ backend: b }, xs) => [xs.slice(1).reduce((s: Tensor, x) => b.run(K.Max, [s, x!]), xs[0]!)],
    backward: ({ backend: b }, { inputs, outputs: [y], dys: [g] }) =>
      inputs.map((x) => ub(b, mul(b, g!, b.run(K.Cast, [b.run(K.Equal, [x!, y!])], { to: g!.dtype })), x!.shape)),
  },
  Min: {
    forward: ({ backend: b }, xs) => [xs.slice(1).reduce((s: Tensor, x) => b.run(K.Min, [s, x!]), xs[0]!)],
    backward: ({ backend: b }, { inputs, outputs: [y], dys: [g] }) =>
      inputs.map((x) => ub(b, mul(b, g!, b.run(K.Cast, [b.run(K.Equal, [x!, y!])], { to: g!.dtype })), x!.shape)),
  },
  Equal: { forward: ({ backend: b }, [x, y]) => [b.run(K.Equal, [x!, y!])] },
  Less: { forward: ({ backend: b }, [x, y]) => [b.run(K.Less, [x!, y!])] },
  Greater: { forward: ({ backend: b }, [x, y]) => [b.run(K.Greater, [x!, y!])] },
  Where: {
    forward: ({ backend: b }, [c, x, y]) => [b.run(K.Where, [c!, x!, y!])],
    backward: ({ backend: b }, { inputs: [c, x, y], dys: [g], needs }) => {
      const z = scalarLike(0, g!);
      return [
        undefined,
        needs[1] ? ub(b, b.run(K.Where, [c!, g!, z]), x!.shape) : undefined,
        needs[2] ? ub(b, b.run(K.Where, [c!, z, g!]), y!.shape) : undefined,
      ];
    },
  },
};
