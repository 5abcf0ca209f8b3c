// BatchNormalization, LayerNormalization and Dropout.
// BatchNorm in training mode reports its new running statistics as state updates; the
// executor writes them back to the initializers they came from.

import { K } from '../kernelNames';
import type { Tensor } from '../tensor';
import type { OpTable } from './op';
import { attrFloat, attrInt, normAxis, scalarLike } from './util';

export const normalizationOps: OpTable = {
  BatchNormalization: {
    forward: (ctx, [x, scale, bias, mean, variance], a) => {
      const epsilon = attrFloat(a, 'epsilon', 1e-5), momentum = attrFloat(a, 'momentum', 0.9);
      const training = ctx.training || attrInt(a, 'training_mode', 0) === 1;
      const b = ctx.backend;
      if (!training) {
        const [y] = b.runMulti(K.BatchNorm, [x!, scale!, bias!, mean!, variance!], { epsilon, momentum, training });
        return { outputs: [y], saved: { training } };
      }
      const [y, rm, rv, bm, bi] = b.runMulti(K.BatchNorm, [x!, scale!, bias!, mean!, variance!], {
        epsilon, momentum, training, unbiasedRunningVar: a.__unbiasedRunningVar === 1,
      });
      return { outputs: [y, rm, rv], saved: { training, bm, bi, stateUpdates: { 3: rm, 4: rv } } };
    },
    backward: ({ backend: b }, { inputs: [x, scale, , mean, variance], dys: [g], saved, attrs }) => {
      const s = saved as { training: boolean; bm?: Tensor; bi?: Tensor };
      let m = s.bm, inv = s.bi;
      if (!s.training) {
        m = mean!;
        inv = b.run(K.Reciprocal, [b.run(K.Sqrt, [b.run(K.Add, [variance!, scalarLike(attrFloat(attrs, 'epsilon', 1e-5), variance!)])])]);
      }
      const [dx, ds, db] = b.runMulti(K.BatchNormGrad, [g!, x!, scale!, m!, inv!], { training: s.training });
      return [dx, ds, db];
    },
  },
  LayerNormalization: {
    forward: ({ backend: b }, [x, scale, bias], a) => {
      const axis = normAxis(attrInt(a, 'axis', -1), x!.rank);
      const outs = b.runMulti(K.LayerNorm, bias ? [x!, scale!, bias] : [x!, scale!], { axis, epsilon: attrFloat(a, 'epsilon', 1e-5) });
      return { outputs: outs, saved: axis };
    },
    backward: ({ backend: b }, { inputs: [x, scale, bias], outputs: [, mean, inv], dys: [g], saved }) => {
      const [dx, ds, db] = b.runMulti(K.LayerNormGrad, [g!, x!, scale!, mean!, inv!], { axis: saved as number });
      return [dx, ds, bias ? db.reshape(bias.shape) : undefined];
    },
  },
  Dropout: {
    forward: (ctx, [x, ratioT, trainingT], a) => {
      const ratio = ratioT ? ratioT.data[0] : attrFloat(a, 'ratio', 0.5);
      const training = ctx.training || (trainingT ? trainingT.data[0] !== 0 : false);
      const b = ctx.backend;
      if (!training || ratio === 0) {
        const mask = b.run(K.Fill, [], { shape: x!.shape, value: 1, dtype: 'bool' });
        return { outputs: [x!, mask], saved: undefined };
      }
      // a per-call seed drawn from the run's generator keeps masks reproducible
      const seed = a.seed !== undefined && !ctx.training ? (a.seed as number) : ctx.rng.nextUint32();
      const mask = b.run(K.DropoutMask, [], { shape: x!.shape, ratio, seed });
      const keep = b.run(K.Cast, [mask], { to: x!.dtype });
      const y = b.run(K.Mul, [b.run(K.Mul, [x!, keep]), scalarLike(1 / (1 - ratio), x!)]);
      return { outputs: [y, mask], saved: { keep, ratio } };
    },
    backward: ({ backend: b }, { dys: [g], saved }) => {
      if (!saved) return [g];
      const { keep, ratio } = saved as { keep: Tensor; ratio: number };
      return [b.run(K.Mul, [b.run(K.Mul, [g!, keep]), scalarLike(1 / (1 - ratio), g!)])];
    },
  },
};
