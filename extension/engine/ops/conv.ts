// Conv and ConvTranspose. ConvTranspose's forward is Conv's input-gradient and vice versa,
// so the four directions share three kernels.

import { K } from '../kernelNames';
import type { Tensor } from '../tensor';
import { convOutSize } from '../cpu/kernels/conv';
import type { Attrs, OpTable } from './op';
import { attrInt, attrInts, attrStr, fusedActivation, resolvePads, scratch } from './util';

interface Geo { strides: number[]; pads: number[]; dilations: number[]; group: number }

function convGeometry(x: Tensor, w: Tensor, a: Attrs): Geo {
  const nd = x.rank - 2;
  const kSp = attrInts(a, 'kernel_shape') ?? w.shape.slice(2);
  const strides = attrInts(a, 'strides') ?? new Array<number>(nd).fill(1);
  const dilations = attrInts(a, 'dilations') ?? new Array<number>(nd).fill(1);
  const pads = resolvePads(attrStr(a, 'auto_pad', 'NOTSET'), x.shape.slice(2), kSp, strides, dilations, attrInts(a, 'pads'));
  return { strides, pads, dilations, group: attrInt(a, 'group', 1) };
}

/** ConvTranspose geometry and output shape (output_shape / output_padding / auto_pad). */
function convTransposeGeometry(x: Tensor, w: Tensor, a: Attrs): Geo & { yShape: number[] } {
  const nd = x.rank - 2, inSp = x.shape.slice(2);
  const kSp = attrInts(a, 'kernel_shape') ?? w.shape.slice(2);
  const strides = attrInts(a, 'strides') ?? new Array<number>(nd).fill(1);
  const dilations = attrInts(a, 'dilations') ?? new Array<number>(nd).fill(1);
  const outPad = attrInts(a, 'output_padding') ?? new Array<number>(nd).fill(0);
  const group = attrInt(a, 'group', 1);
  const autoPad = attrStr(a, 'auto_pad', 'NOTSET');
  const outShape = attrInts(a, 'output_shape');
  let pads = attrInts(a, 'pads') ?? new Array<number>(2 * nd).fill(0);
  const full = (d: number) => strides[d] * (inSp[d] - 1) + outPad[d] + (kSp[d] - 1) * dilations[d] + 1;
  let ySp: number[];
  if (outShape) {
    ySp = outShape.slice(-nd);
    pads = new Array<number>(2 * nd);
    for (let d = 0; d < nd; d++) {
      const total = Math.max(full(d) - ySp[d], 0), half = Math.floor(total / 2);
      pads[d] = autoPad === 'SAME_UPPER' ? half : total - half;
      pads[d + nd] = total - pads[d];
    }
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    ySp = inSp.map((n, d) => n * strides[d]);
    pads = new Array<number>(2 * nd);
    for (let d = 0; d < nd; d++) {
      const total = Math.max(full(d) - ySp[d], 0), half = Math.floor(total / 2);
      pads[d] = autoPad === 'SAME_UPPER' ? half : total - half;
      pads[d + nd] = total - pads[d];
    }
  } else ySp = inSp.map((_, d) => full(d) - pads[d] - pads[d + nd]);
  return { strides, pads, dilations, group, yShape: [x.shape[0], w.shape[1] * group, ...ySp] };
}

export const convOps: OpTable = {
  Conv: {
    forward: ({ backend: b }, [x, w, bias], a) => {
      const g = convGeometry(x!, w!, a);
      return { outputs: [b.run(K.Conv, bias ? [x!, w!, bias] : [x!, w!], { ...g, activation: fusedActivation(a) })], saved: g };
    },
    backward: (ctx, { inputs: [x, w, bias], outputs: [y], dys: [dy], attrs, saved, needs, dyOwned }) => {
      const b = ctx.backend;
      const geo = saved as Geo;
      // a fused Conv→Relu: back through the Relu first (y is the Relu's output)
      const g = fusedActivation(attrs) ? scratch(ctx, b.run(K.UnaryGrad, [dy!, y!], { op: 'Relu', inPlace: dyOwned?.[0] })) : dy;
      return [
        needs[0] ? b.run(K.ConvBackpropInput, [g!, w!], { ...geo, xShape: x!.shape }) : undefined,
        needs[1] ? b.run(K.ConvBackpropFilter, [x!, g!], { ...geo, wShape: w!.shape }) : undefined,
        bias && needs[2] ? biasGrad(b, g!) : undefined,
      ];
    },
  },
  ConvTranspose: {
    forward: ({ backend: b }, [x, w, bias], a) => {
      const geo = convTransposeGeometry(x!, w!, a);
      let y = b.run(K.ConvBackpropInput, [x!, w!], { ...geo, xShape: geo.yShape });
      if (bias) y = b.run(K.Add, [y, bias.reshape([bias.size, ...new Array<number>(x!.rank - 2).fill(1)])]);
      return { outputs: [y], saved: geo };
    },
    backward: ({ backend: b }, { inputs: [x, w, bias], dys: [g], saved, needs }) => {
      const geo = saved as Geo;
      return [
        needs[0] ? b.run(K.Conv, [g!, w!], geo) : undefined,
        needs[1] ? b.run(K.ConvBackpropFilter, [g!, x!], { ...geo, wShape: w!.shape }) : undefined,
        bias && needs[2] ? biasGrad(b, g!) : undefined,
      ];
    },
  },
};

function biasGrad(b: import('../backend').Backend, g: Tensor): Tensor {
  const axes = [0, ...Array.from({ length: g.rank - 2 }, (_, i) => i + 2)];
  return b.run(K.ReduceSum, [g], { axes, keepdims: false });
}

export { convOutSize };
