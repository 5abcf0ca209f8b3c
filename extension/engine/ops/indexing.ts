// Ops that select or assemble parts of tensors: Concat, Split, Slice, Gather,
// GatherElements, Pad, Resize — each gradient scatters back where the forward gathered.

import { K } from '../kernelNames';
import { Tensor } from '../tensor';
import type { Backend } from '../backend';
import type { SliceAttrs } from '../cpu/kernels/movement';
import type { Attrs, MaybeTensor, OpTable } from './op';
import { attrFloat, attrInt, attrInts, attrStr, normAxis } from './util';

/** Slice along one axis [start, start+len) with step 1. */
function sliceAxis(b: Backend, x: Tensor, axis: number, start: number, len: number): Tensor {
  const starts = x.shape.map(() => 0), sizes = x.shape.slice(), steps = x.shape.map(() => 1);
  starts[axis] = start; sizes[axis] = len;
  return b.run(K.Slice, [x], { starts, sizes, steps });
}

function zerosLike(b: Backend, shape: readonly number[], dtype: Tensor['dtype']): Tensor {
  return b.run(K.Fill, [], { shape: shape.slice(), value: 0, dtype });
}

/** ONNX Slice semantics → per-dimension start/step/size. */
export function normalizeSlice(shape: readonly number[], starts: number[], ends: number[], axes?: number[], steps?: number[]): SliceAttrs {
  const r = shape.length;
  const out: SliceAttrs = { starts: shape.map(() => 0), steps: shape.map(() => 1), sizes: shape.slice() };
  starts.forEach((s0, i) => {
    const ax = normAxis(axes ? axes[i] : i, r), dim = shape[ax], step = steps ? steps[i] : 1;
    if (step === 0) throw new Error('Slice: step cannot be 0');
    let s = s0 < 0 ? s0 + dim : s0, e = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (step > 0) { s = Math.min(Math.max(s, 0), dim); e = Math.min(Math.max(e, 0), dim); }
    else { s = Math.min(Math.max(s, -1), dim - 1); e = Math.min(Math.max(e, -1), dim - 1); }
    out.starts[ax] = s; out.steps[ax] = step;
    out.sizes[ax] = Math.max(0, Math.ceil((e - s) / step));
  });
  return out;
}

function sliceAttrs(inputs: MaybeTensor[], a: Attrs): SliceAttrs {
  const x = inputs[0]!;
  if (inputs.length > 1 && inputs[1]) {
    return normalizeSlice(x.shape, inputs[1].toNumbers(), inputs[2]!.toNumbers(), inputs[3]?.toNumbers(), inputs[4]?.toNumbers());
  }
  return normalizeSlice(x.shape, attrInts(a, 'starts')!, attrInts(a, 'ends')!, attrInts(a, 'axes'));
}

function splitSizes(x: Tensor, axis: number, inputs: MaybeTensor[], a: Attrs, n: number): number[] {
  const given = inputs[1]?.toNumbers() ?? attrInts(a, 'split');
  if (given) return given;
  const dim = x.shape[axis], parts = attrInt(a, 'num_outputs', n);
  const chunk = Math.ceil(dim / parts);
  return Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
}

interface PadSpec { pads: number[]; mode: 'constant' | 'reflect' | 'edge' | 'wrap'; value: number }

function padSpec(inputs: MaybeTensor[], a: Attrs): PadSpec {
  const x = inputs[0]!, r = x.rank;
  let pads = inputs[1] ? inputs[1].toNumbers() : attrInts(a, 'pads') ?? [];
  const axes = inputs[3]?.toNumbers();
  if (axes) {
    const full = new Array<number>(2 * r).fill(0);
    axes.forEach((ax0, i) => { const ax = normAxis(ax0, r); full[ax] = pads[i]; full[ax + r] = pads[i + axes.length]; });
    pads = full;
  }
  const value = inputs[2] && inputs[2].size ? inputs[2].data[0] : attrFloat(a, 'value', 0);
  return { pads, mode: attrStr(a, 'mode', 'constant') as PadSpec['mode'], value };
}

function resizeSpec(inputs: MaybeTensor[], a: Attrs) {
  const x = inputs[0]!, r = x.rank;
  const axes = attrInts(a, 'axes')?.map((v) => normAxis(v, r)) ?? x.shape.map((_, i) => i);
  const scales = x.shape.map(() => 1), outShape = x.shape.slice();
  const sc = inputs[2] && inputs[2].size ? inputs[2].toNumbers() : undefined;
  const sz = inputs[3] && inputs[3].size ? inputs[3].toNumbers() : undefined;
  if (sz) axes.forEach((ax, i) => { outShape[ax] = sz[i]; scales[ax] = sz[i] / x.shape[ax]; });
  else if (sc) axes.forEach((ax, i) => { scales[ax] = sc[i]; outShape[ax] = Math.floor(x.shape[ax] * sc[i]); });
  else throw new Error('Resize needs scales or sizes');
  const mode = attrStr(a, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear') throw new Error(`Resize: mode "${mode}" is not supported (nearest, linear)`);
  return {
    outShape, scales, mode: mode as 'nearest' | 'linear',
    coordinateTransformationMode: attrStr(a, 'coordinate_transformation_mode', 'half_pixel'),
    nearestMode: attrStr(a, 'nearest_mode', 'round_prefer_floor'),
  };
}

export const indexingOps: OpTable = {
  Concat: {
    forward: ({ backend: b }, xs, a) => {
      const present = xs.filter((t): t is Tensor => !!t);
      return [b.run(K.Concat, present, { axis: normAxis(attrInt(a, 'axis', 0), present[0].rank) })];
    },
    backward: ({ backend: b }, { inputs, dys: [g], attrs, needs }) => {
      const axis = normAxis(attrInt(attrs, 'axis', 0), g!.rank);
      let off = 0;
      return inputs.map((x, i) => {
        if (!x) return undefined;
        const len = x.shape[axis], s = off;
        off += len;
        return needs[i] ? sliceAxis(b, g!, axis, s, len) : undefined;
      });
    },
  },
  Split: {
    forward: (ctx, inputs, a) => {
      const x = inputs[0]!, axis = normAxis(attrInt(a, 'axis', 0), x.rank);
      const sizes = splitSizes(x, axis, inputs, a, ctx.numOutputs ?? 1);
      let off = 0;
      return sizes.map((len) => { const t = sliceAxis(ctx.backend, x, axis, off, len); off += len; return t; });
    },
    backward: ({ backend: b }, { inputs: [x], outputs, dys, attrs }) => {
      const axis = normAxis(attrInt(attrs, 'axis', 0), x!.rank);
      const parts = outputs.map((o, i) => dys[i] ?? zerosLike(b, o!.shape, x!.dtype));
      return [b.run(K.Concat, parts, { axis })];
    },
  },
  Slice: {
    forward: ({ backend: b }, inputs, a) => [b.run(K.Slice, [inputs[0]!], sliceAttrs(inputs, a))],
    backward: ({ backend: b }, { inputs, dys: [g], attrs }) =>
      [b.run(K.SliceGrad, [g!], { ...sliceAttrs(inputs, attrs), xShape: inputs[0]!.shape })],
  },
  Gather: {
    forward: ({ backend: b }, [x, idx], a) => [b.run(K.Gather, [x!, idx!], { axis: normAxis(attrInt(a, 'axis', 0), x!.rank) })],
    backward: ({ backend: b }, { inputs: [x, idx], dys: [g], attrs }) =>
      [b.run(K.GatherGrad, [g!, idx!], { axis: normAxis(attrInt(attrs, 'axis', 0), x!.rank), xShape: x!.shape }), undefined],
  },
  GatherElements: {
    forward: ({ backend: b }, [x, idx], a) => [b.run(K.GatherElements, [x!, idx!], { axis: normAxis(attrInt(a, 'axis', 0), x!.rank) })],
    backward: ({ backend: b }, { inputs: [x, idx], dys: [g], attrs }) =>
      [b.run(K.GatherElementsGrad, [g!, idx!], { axis: normAxis(attrInt(attrs, 'axis', 0), x!.rank), xShape: x!.shape }), undefined],
  },
  Pad: {
    forward: ({ backend: b }, inputs, a) => [b.run(K.Pad, [inputs[0]!], padSpec(inputs, a))],
    backward: ({ backend: b }, { inputs, dys: [g], attrs }) =>
      [b.run(K.PadGrad, [g!], { ...padSpec(inputs, attrs), xShape: inputs[0]!.shape })],
  },
  Resize: {
    forward: ({ backend: b }, inputs, a) => [b.run(K.Resize, [inputs[0]!], resizeSpec(inputs, a))],
    backward: ({ backend: b }, { inputs, dys: [g], attrs }) =>
      [b.run(K.ResizeGrad, [g!], { ...resizeSpec(inputs, attrs), xShape: inputs[0]!.shape })],
  },
};
