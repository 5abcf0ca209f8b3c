// MaxPool, AveragePool and GlobalAveragePool with gradients.

import { K } from '../kernelNames';
import type { Tensor } from '../tensor';
import type { PoolAttrs } from '../cpu/kernels/pool';
import type { Attrs, OpTable } from './op';
import { attrInt, attrInts, attrStr, resolvePads, scalarLike } from './util';

function poolAttrs(x: Tensor, a: Attrs): PoolAttrs {
  const nd = x.rank - 2;
  const kernelShape = attrInts(a, 'kernel_shape');
  if (!kernelShape) throw new Error('pooling needs kernel_shape');
  const strides = attrInts(a, 'strides') ?? new Array<number>(nd).fill(1);
  const dilations = attrInts(a, 'dilations') ?? new Array<number>(nd).fill(1);
  const autoPad = attrStr(a, 'auto_pad', 'NOTSET');
  const pads = resolvePads(autoPad, x.shape.slice(2), kernelShape, strides, dilations, attrInts(a, 'pads'));
  return {
    kernelShape, strides, dilations, pads, ceilMode: attrInt(a, 'ceil_mode', 0) === 1,
    countIncludePad: attrInt(a, 'count_include_pad', 0) === 1, storageOrder: attrInt(a, 'storage_order', 0),
  };
}

export const poolOps: OpTable = {
  MaxPool: {
    forward: ({ backend: b }, [x], a) => {
      const pa = poolAttrs(x!, a);
      const [y, idx] = b.runMulti(K.MaxPool, [x!], { ...pa, storageOrder: 0 });
      const shown = pa.storageOrder === 1 ? b.runMulti(K.MaxPool, [x!], pa)[1] : idx;
      return { outputs: [y, shown], saved: idx };
    },
    backward: ({ backend: b }, { inputs: [x], dys: [g], saved }) =>
      [b.run(K.MaxPoolGrad, [g!, saved as Tensor], { xShape: x!.shape })],
  },
  AveragePool: {
    forward: ({ backend: b }, [x], a) => [b.run(K.AveragePool, [x!], poolAttrs(x!, a))],
    backward: ({ backend: b }, { inputs: [x], dys: [g], attrs }) =>
      [b.run(K.AveragePoolGrad, [g!], { ...poolAttrs(x!, attrs), xShape: x!.shape })],
  },
  GlobalAveragePool: {
    forward: ({ backend: b }, [x]) => [b.run(K.ReduceMean, [x!], { axes: spatialAxes(x!), keepdims: true })],
    backward: ({ backend: b }, { inputs: [x], dys: [g] }) => {
      const n = x!.shape.slice(2).reduce((p, d) => p * d, 1);
      return [b.run(K.Expand, [b.run(K.Mul, [g!, scalarLike(1 / n, g!)])], { shape: x!.shape })];
    },
  },
};

const spatialAxes = (x: Tensor) => Array.from({ length: x.rank - 2 }, (_, i) => i + 2);

