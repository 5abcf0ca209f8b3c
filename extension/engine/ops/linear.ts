// Gemm and MatMul with their gradients (the transposes are folded into gemm flags).

import { K } from '../kernelNames';
import type { Tensor } from '../tensor';
import type { OpTable } from './op';
import { attrFloat, attrInt, fusedActivation, scale, scratch, unbroadcast } from './util';

export const linearOps: OpTable = {
  // __activation: 'Relu' marks a Gemm→Relu pair fused by the executor (see fuseActivations)
  Gemm: {
    forward: ({ backend: b }, [a, bm, c], at) => [b.run(K.Gemm, c ? [a!, bm!, c] : [a!, bm!], {
      transA: attrInt(at, 'transA', 0) === 1, transB: attrInt(at, 'transB', 0) === 1,
      alpha: attrFloat(at, 'alpha', 1), beta: attrFloat(at, 'beta', 1), activation: fusedActivation(at),
    })],
    backward: (ctx, { inputs: [A, B, C], outputs: [y], dys: [dy], attrs, needs, dyOwned }) => {
      const b = ctx.backend;
      const g = fusedActivation(attrs) ? scratch(ctx, b.run(K.UnaryGrad, [dy!, y!], { op: 'Relu', inPlace: dyOwned?.[0] })) : dy;
      const tA = attrInt(attrs, 'transA', 0) === 1, tB = attrInt(attrs, 'transB', 0) === 1;
      const alpha = attrFloat(attrs, 'alpha', 1), beta = attrFloat(attrs, 'beta', 1);
      const gm = (x: Tensor, y: Tensor, transA: boolean, transB: boolean) => b.run(K.Gemm, [x, y], { transA, transB, alpha });
      const dA = !needs[0] ? undefined : tA ? gm(B!, g!, tB, true) : gm(g!, B!, false, !tB);
      const dB = !needs[1] ? undefined : tB ? gm(g!, A!, true, tA) : gm(A!, g!, !tA, false);
      const dC = C && needs[2] ? unbroadcast(b, beta === 1 ? g! : scale(b, g!, beta), C.shape) : undefined;
      return [dA, dB, dC];
    },
  },
  MatMul: {
    forward: ({ backend: b }, [x, y]) => [b.run(K.MatMul, [x!, y!])],
    backward: ({ backend: b }, { inputs: [x, y], dys: [g], needs }) => {
      const a2 = x!.rank === 1 ? x!.reshape([1, x!.shape[0]]) : x!;
      const b2 = y!.rank === 1 ? y!.reshape([y!.shape[0], 1]) : y!;
      const batch = g!.shape.slice(0, Math.max(a2.rank, b2.rank) - 2);
      const M = a2.shape[a2.rank - 2], N = b2.shape[b2.rank - 1];
      const g2 = g!.reshape([...batch, M, N]);
      const dA = needs[0] ? unbroadcast(b, b.run(K.MatMul, [g2, b2], { transB: true }), a2.shape).reshape(x!.shape) : undefined;
      const dB = needs[1] ? unbroadcast(b, b.run(K.MatMul, [a2, g2], { transA: true }), b2.shape).reshape(y!.shape) : undefined;
      return [dA, dB];
    },
  },
};
