// Per-op shape and type rules for shapeInference.ts: one small function per op (or op family),
// registered in RULES. A rule returns the output types it can work out and leaves the rest
// undefined; it may also publish the *values* of small integer outputs (Shape, Gather, Concat, …)
// so that Reshape/Expand/Slice fed by shape arithmetic still get shapes. Rules never throw on
// purpose; the driver catches anything unexpected and leaves the node's outputs unknown.
import { elemTypeName } from './dataTypes';
import { attrInt, attrInts, attrString, getAttribute, type Dim, type OnnxGraph, type OnnxNode, type TensorRef } from './model';

export interface TypeInfo {
  elemType: string;
  /** undefined when the rank is unknown. */
  shape?: Dim[];
}

/** Known contents of a small tensor: numbers, symbolic dims (from Shape), or null when unknown. */
export interface SymValue {
  dims: number[];
  data: Dim[];
}

export interface NodeContext {
  node: OnnxNode;
  /** ai.onnx opset of the model. */
  opset: number;
  type(i: number): TypeInfo | undefined;
  shape(i: number): Dim[] | undefined;
  elem(i: number): string;
  /** Known value of input i, if any. */
  value(i: number): SymValue | undefined;
  /** Input i as a list of plain integers, if fully known. */
  ints(i: number): number[] | undefined;
  has(i: number): boolean;
  setValue(out: number, v: SymValue): void;
}

export type Rule = (c: NodeContext) => (TypeInfo | undefined)[] | undefined;

/** Values larger than this are not tracked (only shape-like tensors matter). */
export const MAX_TRACKED_ELEMENTS = 1024;
const INT64_MAX = 9223372036854775807;

// ---- dims ----

export function broadcastDim(a: Dim, b: Dim): Dim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === b) return a;
  if (typeof a === 'number' && typeof b === 'number') return null; // incompatible; do not guess
  if (typeof a === 'number') return a;
  if (typeof b === 'number') return b;
  return null;
}

/** numpy broadcasting of several shapes; undefined if any rank is unknown. */
export function broadcastShapes(shapes: (Dim[] | undefined)[]): Dim[] | undefined {
  if (shapes.some((s) => s === undefined)) return undefined;
  const rank = Math.max(0, ...shapes.map((s) => s!.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const j = s!.length - rank + i;
      if (j >= 0) d = broadcastDim(d, s![j]);
    }
    out.push(d);
  }
  return out;
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Product of dims: a number when all known, a symbol when exactly one symbol times 1, else null. */
export function dimProduct(dims: Dim[]): Dim {
  let n = 1;
  let sym: string | undefined;
  for (const d of dims) {
    if (typeof d === 'number') n *= d;
    else if (typeof d === 'string' && sym === undefined) sym = d;
    else return null;
  }
  if (n === 0) return 0;
  if (sym === undefined) return n;
  return n === 1 ? sym : null;
}

function addDims(a: Dim, b: Dim): Dim {
  if (b === 0) return a;
  if (a === 0) return b;
  return typeof a === 'number' && typeof b === 'number' ? a + b : null;
}

const same = (c: NodeContext, i = 0): TypeInfo | undefined => c.type(i);
const withType = (t: TypeInfo | undefined, elemType: string): TypeInfo | undefined => (t ? { ...t, elemType } : { elemType });
const tensor = (elemType: string, shape?: Dim[]): TypeInfo => ({ elemType, shape });

// ---- rule families ----

const unary: Rule = (c) => [same(c)];
const binary: Rule = (c) => {
  const shapes = c.node.inputs.map((_, i) => c.shape(i));
  return [tensor(c.elem(0), broadcastShapes(shapes))];
};
const compare: Rule = (c) => [tensor('bool', broadcastShapes([c.shape(0), c.shape(1)]))];
const booleanOp: Rule = (c) => [tensor('bool', broadcastShapes(c.node.inputs.map((_, i) => c.shape(i))))];
const toBool: Rule = (c) => [withType(c.type(0), 'bool')];

function elementwiseValues(c: NodeContext, f: (a: number, b: number) => number): void {
  const a = c.value(0);
  const b = c.value(1);
  if (!a || !b) return;
  const n = Math.max(a.data.length, b.data.length);
  if (a.data.length !== n && a.data.length !== 1) return;
  if (b.data.length !== n && b.data.length !== 1) return;
  const data: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const x = a.data[a.data.length === 1 ? 0 : i];
    const y = b.data[b.data.length === 1 ? 0 : i];
    data.push(typeof x === 'number' && typeof y === 'number' ? f(x, y) : null);
  }
  c.setValue(0, { dims: a.data.length >= b.data.length ? a.dims : b.dims, data });
}

const arith = (f: (a: number, b: number) => number): Rule => (c) => {
  elementwiseValues(c, f);
  return binary(c);
};

const neg: Rule = (c) => {
  const v = c.value(0);
  if (v) c.setValue(0, { dims: v.dims, data: v.data.map((d) => (typeof d === 'number' ? -d : null)) });
  return [same(c)];
};

const passValue: Rule = (c) => {
  const v = c.value(0);
  if (v) c.setValue(0, v);
  return [same(c)];
};

// ---- linear algebra ----

const gemm: Rule = (c) => {
  const a = c.shape(0);
  const b = c.shape(1);
  const m = a && a.length === 2 ? a[attrInt(c.node, 'transA', 0) ? 1 : 0] : null;
  const n = b && b.length === 2 ? b[attrInt(c.node, 'transB', 0) ? 0 : 1] : null;
  return [tensor(c.elem(0), [m, n])];
};

function matmulShape(a: Dim[] | undefined, b: Dim[] | undefined): Dim[] | undefined {
  if (!a || !b || a.length === 0 || b.length === 0) return undefined;
  const aa = a.length === 1 ? [1, a[0]] : a;
  const bb = b.length === 1 ? [b[0], 1] : b;
  const batch = broadcastShapes([aa.slice(0, -2), bb.slice(0, -2)])!;
  const out = [...batch, aa[aa.length - 2], bb[bb.length - 1]];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.pop();
  return out;
}

const matmul: Rule = (c) => [tensor(c.elem(0), matmulShape(c.shape(0), c.shape(1)))];
const matmulInteger: Rule = (c) => [tensor('int32', matmulShape(c.shape(0), c.shape(1)))];

// ---- convolution and pooling ----

interface WindowAttrs {
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[];
  autoPad: string;
  ceil: boolean;
}

function windowAttrs(node: OnnxNode, spatial: number, kernel: number[]): WindowAttrs {
  const ones = new Array<number>(spatial).fill(1);
  return {
    kernel,
    strides: attrInts(node, 'strides') ?? ones,
    dilations: attrInts(node, 'dilations') ?? ones,
    pads: attrInts(node, 'pads') ?? new Array<number>(spatial * 2).fill(0),
    autoPad: attrString(node, 'auto_pad', 'NOTSET'),
    ceil: attrInt(node, 'ceil_mode', 0) === 1,
  };
}

/** Output size of a sliding window along one axis (Conv, MaxPool, AveragePool, LpPool). */
function windowOut(input: Dim, i: number, w: WindowAttrs, spatial: number): Dim {
  if (typeof input !== 'number') return null;
  const s = w.strides[i] ?? 1;
  const k = ((w.kernel[i] ?? 1) - 1) * (w.dilations[i] ?? 1) + 1;
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return Math.ceil(input / s);
  const pb = w.autoPad === 'VALID' ? 0 : w.pads[i] ?? 0;
  const pe = w.autoPad === 'VALID' ? 0 : w.pads[i + spatial] ?? 0;
  const span = input + pb + pe - k;
  if (span < 0) return null;
  let out = (w.ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // With ceil_mode the last window must start inside the input or its left padding.
  if (w.ceil && (out - 1) * s >= input + pb) out--;
  return out;
}

const conv: Rule = (c) => {
  const x = c.shape(0);
  const wShape = c.shape(1);
  if (!x || x.length < 3) return [tensor(c.elem(0))];
  const spatial = x.length - 2;
  const kernel = attrInts(c.node, 'kernel_shape') ?? (wShape?.slice(2).map((d) => (typeof d === 'number' ? d : NaN)) ?? []);
  const w = windowAttrs(c.node, spatial, kernel);
  const out: Dim[] = [x[0], wShape ? wShape[0] : null];
  for (let i = 0; i < spatial; i++) out.push(Number.isNaN(kernel[i]) ? null : windowOut(x[i + 2], i, w, spatial));
  return [tensor(c.elem(0), out)];
};

const convTranspose: Rule = (c) => {
  const x = c.shape(0);
  const wShape = c.shape(1);
  if (!x || x.length < 3) return [tensor(c.elem(0))];
  const spatial = x.length - 2;
  const group = attrInt(c.node, 'group', 1);
  const m = wShape && typeof wShape[1] === 'number' ? wShape[1] * group : null;
  const kernel = attrInts(c.node, 'kernel_shape') ?? wShape?.slice(2).map((d) => (typeof d === 'number' ? d : NaN)) ?? [];
  const w = windowAttrs(c.node, spatial, kernel);
  const outputShape = attrInts(c.node, 'output_shape');
  const outputPadding = attrInts(c.node, 'output_padding') ?? new Array<number>(spatial).fill(0);
  const out: Dim[] = [x[0], m];
  for (let i = 0; i < spatial; i++) {
    const inDim = x[i + 2];
    if (outputShape) { out.push(outputShape[outputShape.length - spatial + i]); continue; }
    if (typeof inDim !== 'number' || Number.isNaN(kernel[i])) { out.push(null); continue; }
    const s = w.strides[i] ?? 1;
    if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') { out.push(inDim * s); continue; }
    const k = (kernel[i] - 1) * (w.dilations[i] ?? 1) + 1;
    const pads = w.autoPad === 'VALID' ? 0 : (w.pads[i] ?? 0) + (w.pads[i + spatial] ?? 0);
    out.push(s * (inDim - 1) + (outputPadding[i] ?? 0) + k - pads);
  }
  return [tensor(c.elem(0), out)];
};

const pool: Rule = (c) => {
  const x = c.shape(0);
  if (!x || x.length < 3) return [tensor(c.elem(0)), tensor('int64')];
  const spatial = x.length - 2;
  const kernel = attrInts(c.node, 'kernel_shape') ?? [];
  const w = windowAttrs(c.node, spatial, kernel);
  const out: Dim[] = [x[0], x[1]];
  for (let i = 0; i < spatial; i++) out.push(kernel.length === spatial ? windowOut(x[i + 2], i, w, spatial) : null);
  return [tensor(c.elem(0), out), tensor('int64', out)];
};

const globalPool: Rule = (c) => {
  const x = c.shape(0);
  return [tensor(c.elem(0), x ? [...x.slice(0, 2), ...x.slice(2).map(() => 1)] : undefined)];
};

// ---- normalization ----

const batchNorm: Rule = (c) => {
  const stat = c.type(3) ?? c.type(1);
  return [same(c), stat, stat, stat, stat];
};

const layerNorm: Rule = (c) => {
  const x = c.shape(0);
  const statType = attrInt(c.node, 'stash_type', 1) === 1 ? 'float32' : c.elem(0);
  if (!x) return [same(c), tensor(statType), tensor(statType)];
  const axis = normAxis(attrInt(c.node, 'axis', -1), x.length);
  const stat = [...x.slice(0, axis), ...x.slice(axis).map(() => 1)];
  return [same(c), tensor(statType, stat), tensor(statType, stat)];
};

const dropout: Rule = (c) => [same(c), withType(c.type(0), 'bool')];

// ---- shape manipulation ----

function reshapeShape(input: Dim[] | undefined, target: Dim[], allowZero: boolean): Dim[] {
  const out = target.map((d, i) => (d === 0 && !allowZero ? (input ? input[i] ?? null : null) : d));
  const minus = out.indexOf(-1);
  if (minus < 0) return out;
  out[minus] = null;
  if (!input) return out;
  // Solve the -1: input numbers / other output numbers, with symbols cancelling out.
  let inNum = 1;
  const inSyms: string[] = [];
  for (const d of input) {
    if (typeof d === 'number') inNum *= d;
    else if (typeof d === 'string') inSyms.push(d);
    else return out;
  }
  let outNum = 1;
  for (let i = 0; i < out.length; i++) {
    if (i === minus) continue;
    const d = out[i];
    if (typeof d === 'number') outNum *= d;
    else if (typeof d === 'string') {
      const j = inSyms.indexOf(d);
      if (j < 0) return out;
      inSyms.splice(j, 1);
    } else return out;
  }
  if (outNum === 0 || inNum % outNum !== 0) return out;
  const ratio = inNum / outNum;
  if (inSyms.length === 0) out[minus] = ratio;
  else if (inSyms.length === 1 && ratio === 1) out[minus] = inSyms[0];
  return out;
}

const reshape: Rule = (c) => {
  const target = c.value(1);
  const v = c.value(0);
  if (!target) return [tensor(c.elem(0), c.shape(1)?.length === 1 && typeof c.shape(1)![0] === 'number' ? new Array<Dim>(c.shape(1)![0] as number).fill(null) : undefined)];
  const shape = reshapeShape(c.shape(0), target.data, attrInt(c.node, 'allowzero', 0) === 1);
  if (v && shape.every((d) => typeof d === 'number')) c.setValue(0, { dims: shape as number[], data: v.data });
  return [tensor(c.elem(0), shape)];
};

const flatten: Rule = (c) => {
  const x = c.shape(0);
  if (!x) return [tensor(c.elem(0))];
  const axis = normAxis(attrInt(c.node, 'axis', 1), x.length);
  return [tensor(c.elem(0), [dimProduct(x.slice(0, axis)), dimProduct(x.slice(axis))])];
};

const transpose: Rule = (c) => {
  const x = c.shape(0);
  if (!x) return [tensor(c.elem(0))];
  const perm = attrInts(c.node, 'perm') ?? x.map((_, i) => x.length - 1 - i);
  return [tensor(c.elem(0), perm.map((p) => x[p] ?? null))];
};

const concat: Rule = (c) => {
  const shapes = c.node.inputs.map((_, i) => c.shape(i));
  const known = shapes.filter((s): s is Dim[] => s !== undefined);
  if (known.length === 0) return [tensor(c.elem(0))];
  const rank = known[0].length;
  const axis = normAxis(attrInt(c.node, 'axis', 0), rank);
  const out: Dim[] = [];
  for (let d = 0; d < rank; d++) {
    if (d === axis) {
      out.push(shapes.every((s) => s !== undefined) ? known.reduce<Dim>((acc, s) => addDims(acc, s[d]), 0) : null);
    } else {
      out.push(known.map((s) => s[d]).find((x) => typeof x === 'number') ?? known.map((s) => s[d]).find((x) => x !== null) ?? null);
    }
  }
  // Shape arithmetic: concatenating 1-D known values.
  if (rank === 1 && axis === 0) {
    const vals = c.node.inputs.map((_, i) => c.value(i));
    if (vals.every((v) => v !== undefined)) {
      const data = vals.flatMap((v) => v!.data);
      c.setValue(0, { dims: [data.length], data });
    }
  }
  return [tensor(c.elem(0), out)];
};

const split: Rule = (c) => {
  const x = c.shape(0);
  const outs = c.node.outputs.length;
  if (!x) return new Array(outs).fill(tensor(c.elem(0)));
  const axis = normAxis(attrInt(c.node, 'axis', 0), x.length);
  const dim = x[axis];
  let sizes: Dim[] | undefined = c.has(1) ? c.ints(1) : attrInts(c.node, 'split');
  if (!sizes && typeof dim === 'number') {
    const n = attrInt(c.node, 'num_outputs') ?? outs;
    const chunk = Math.ceil(dim / n);
    sizes = Array.from({ length: outs }, (_, i) => Math.max(0, Math.min(chunk, dim - chunk * i)));
    if (attrInt(c.node, 'num_outputs') === undefined && dim % n !== 0) sizes = undefined;
  }
  return Array.from({ length: outs }, (_, i) => {
    const shape = [...x];
    shape[axis] = sizes ? sizes[i] ?? null : null;
    return tensor(c.elem(0), shape);
  });
};

function sliceDim(dim: Dim, start: number, end: number, step: number): Dim {
  if (typeof dim !== 'number') return step === 1 && start === 0 && end >= INT64_MAX / 2 ? dim : null;
  if (step === 0) return null;
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
  } else {
    s = Math.min(Math.max(s, 0), dim - 1);
    e = Math.min(Math.max(e, -1), dim - 1);
  }
  return Math.max(0, Math.ceil((e - s) / step));
}

const slice: Rule = (c) => {
  const x = c.shape(0);
  const old = c.opset < 10;
  const starts = old ? attrInts(c.node, 'starts') : c.ints(1);
  const ends = old ? attrInts(c.node, 'ends') : c.ints(2);
  if (!x) return [tensor(c.elem(0))];
  const axes = old ? attrInts(c.node, 'axes') : c.has(3) ? c.ints(3) : undefined;
  const steps = old ? undefined : c.has(4) ? c.ints(4) : undefined;
  if (!starts || !ends || (!old && c.has(3) && !axes) || (!old && c.has(4) && !steps)) {
    return [tensor(c.elem(0), x.map(() => null))];
  }
  const out = [...x];
  const ax = axes ?? starts.map((_, i) => i);
  ax.forEach((a, i) => {
    const k = normAxis(a, x.length);
    out[k] = sliceDim(x[k], starts[i], ends[i], steps ? steps[i] : 1);
  });
  const v = c.value(0);
  if (v && v.dims.length === 1 && ax.length === 1) {
    const n = v.data.length;
    const step = steps ? steps[0] : 1;
    let s = starts[0] < 0 ? starts[0] + n : starts[0];
    let e = ends[0] < 0 ? ends[0] + n : ends[0];
    s = step > 0 ? Math.min(Math.max(s, 0), n) : Math.min(Math.max(s, 0), n - 1);
    e = step > 0 ? Math.min(Math.max(e, 0), n) : Math.min(Math.max(e, -1), n - 1);
    const data: Dim[] = [];
    for (let i = s; step > 0 ? i < e : i > e; i += step) data.push(v.data[i]);
    c.setValue(0, { dims: [data.length], data });
  }
  return [tensor(c.elem(0), out)];
};

const gather: Rule = (c) => {
  const x = c.shape(0);
  const idx = c.shape(1);
  if (!x || !idx) return [tensor(c.elem(0))];
  const axis = normAxis(attrInt(c.node, 'axis', 0), x.length);
  const v = c.value(0);
  const iv = c.value(1);
  if (v && iv && v.dims.length === 1) {
    const data = iv.data.map((i) => (typeof i === 'number' ? v.data[i < 0 ? i + v.data.length : i] ?? null : null));
    c.setValue(0, { dims: iv.dims, data });
  }
  return [tensor(c.elem(0), [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)])];
};

const gatherElements: Rule = (c) => [tensor(c.elem(0), c.shape(1))];

const gatherND: Rule = (c) => {
  const x = c.shape(0);
  const idx = c.shape(1);
  const b = attrInt(c.node, 'batch_dims', 0);
  if (!x || !idx || typeof idx[idx.length - 1] !== 'number') return [tensor(c.elem(0))];
  const last = idx[idx.length - 1] as number;
  return [tensor(c.elem(0), [...idx.slice(0, -1), ...x.slice(b + last)])];
};

/** Axes come from an attribute in old opsets and from input 1 in opset 13+. */
function axesOf(c: NodeContext, inputIndex = 1): number[] | undefined | null {
  const fromAttr = attrInts(c.node, 'axes');
  if (fromAttr) return fromAttr;
  if (c.has(inputIndex)) return c.ints(inputIndex) ?? null; // null: given but unknown
  return undefined;
}

const squeeze: Rule = (c) => {
  const x = c.shape(0);
  const axes = axesOf(c);
  if (!x || axes === null) return [tensor(c.elem(0))];
  let out: Dim[] | undefined;
  if (axes === undefined || axes.length === 0) {
    out = x.every((d) => typeof d === 'number') ? x.filter((d) => d !== 1) : undefined;
  } else {
    const drop = new Set(axes.map((a) => normAxis(a, x.length)));
    out = x.filter((_, i) => !drop.has(i));
  }
  const v = c.value(0);
  if (v && out) c.setValue(0, { dims: out.filter((d): d is number => typeof d === 'number'), data: v.data });
  return [tensor(c.elem(0), out)];
};

const unsqueeze: Rule = (c) => {
  const x = c.shape(0);
  const axes = axesOf(c);
  if (!x || !axes) return [tensor(c.elem(0))];
  const rank = x.length + axes.length;
  const ins = new Set(axes.map((a) => normAxis(a, rank)));
  const out: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(ins.has(i) ? 1 : x[j++] ?? null);
  const v = c.value(0);
  if (v) c.setValue(0, { dims: out.filter((d): d is number => typeof d === 'number'), data: v.data });
  return [tensor(c.elem(0), out)];
};

const reduce: Rule = (c) => {
  const x = c.shape(0);
  if (!x) return [tensor(c.elem(0))];
  const keep = attrInt(c.node, 'keepdims', 1) === 1;
  const axes = axesOf(c);
  if (axes === null) return [tensor(c.elem(0), keep ? x.map(() => null) : undefined)];
  if (!axes || axes.length === 0) {
    if (attrInt(c.node, 'noop_with_empty_axes', 0) === 1) return [same(c)];
    return [tensor(c.elem(0), keep ? x.map(() => 1) : [])];
  }
  const set = new Set(axes.map((a) => normAxis(a, x.length)));
  const out: Dim[] = [];
  x.forEach((d, i) => {
    if (!set.has(i)) out.push(d);
    else if (keep) out.push(1);
  });
  return [tensor(c.elem(0), out)];
};

const argReduce: Rule = (c) => {
  const x = c.shape(0);
  if (!x) return [tensor('int64')];
  const axis = normAxis(attrInt(c.node, 'axis', 0), x.length);
  const keep = attrInt(c.node, 'keepdims', 1) === 1;
  return [tensor('int64', keep ? x.map((d, i) => (i === axis ? 1 : d)) : x.filter((_, i) => i !== axis))];
};

const topK: Rule = (c) => {
  const x = c.shape(0);
  const k = c.has(1) ? c.ints(1)?.[0] : attrInt(c.node, 'k');
  if (!x) return [tensor(c.elem(0)), tensor('int64')];
  const axis = normAxis(attrInt(c.node, 'axis', -1), x.length);
  const out = x.map((d, i) => (i === axis ? k ?? null : d));
  return [tensor(c.elem(0), out), tensor('int64', out)];
};

const expand: Rule = (c) => {
  const target = c.value(1);
  if (!target) return [tensor(c.elem(0))];
  return [tensor(c.elem(0), broadcastShapes([c.shape(0), target.data]))];
};

const tile: Rule = (c) => {
  const x = c.shape(0);
  const reps = c.ints(1);
  if (!x) return [tensor(c.elem(0))];
  return [tensor(c.elem(0), x.map((d, i) => (reps && typeof d === 'number' ? d * reps[i] : reps?.[i] === 1 ? d : null)))];
};

const pad: Rule = (c) => {
  const x = c.shape(0);
  if (!x) return [tensor(c.elem(0))];
  const pads = c.opset >= 11 ? c.ints(1) : attrInts(c.node, 'pads') ?? attrInts(c.node, 'paddings');
  if (!pads) return [tensor(c.elem(0), x.map(() => null))];
  const axes = c.opset >= 18 && c.has(3) ? c.ints(3) : x.map((_, i) => i);
  if (!axes) return [tensor(c.elem(0), x.map(() => null))];
  const out = [...x];
  axes.forEach((a, i) => {
    const k = normAxis(a, x.length);
    out[k] = addDims(x[k], (pads[i] ?? 0) + (pads[i + axes.length] ?? 0));
  });
  return [tensor(c.elem(0), out)];
};

const depthToSpace: Rule = (c) => {
  const x = c.shape(0);
  const b = attrInt(c.node, 'blocksize', 1);
  if (!x || x.length !== 4) return [tensor(c.elem(0))];
  const mul = (d: Dim, k: number) => (typeof d === 'number' ? d * k : null);
  const div = (d: Dim, k: number) => (typeof d === 'number' ? d / k : null);
  return c.node.opType === 'DepthToSpace'
    ? [tensor(c.elem(0), [x[0], div(x[1], b * b), mul(x[2], b), mul(x[3], b)])]
    : [tensor(c.elem(0), [x[0], mul(x[1], b * b), div(x[2], b), div(x[3], b)])];
};

// ---- values and constants ----

function tensorValue(t: TensorRef): SymValue | undefined {
  if (t.elementCount > MAX_TRACKED_ELEMENTS || t.elemType === 'string') return undefined;
  try {
    const d = t.data();
    const data: Dim[] = [];
    for (let i = 0; i < t.elementCount; i++) data.push(Number((d as ArrayLike<number | bigint>)[i]));
    return { dims: t.dims, data };
  } catch {
    return undefined;
  }
}
export { tensorValue };

const constant: Rule = (c) => {
  for (const a of c.node.attributes) {
    switch (a.name) {
      case 'value': {
        const t = a.value as TensorRef;
        const v = tensorValue(t);
        if (v) c.setValue(0, v);
        return [tensor(t.elemType, t.dims)];
      }
      case 'value_float': c.setValue(0, { dims: [], data: [a.value as number] }); return [tensor('float32', [])];
      case 'value_int': c.setValue(0, { dims: [], data: [a.value as number] }); return [tensor('int64', [])];
      case 'value_floats': return [tensor('float32', [(a.value as number[]).length])];
      case 'value_ints': {
        const vals = a.value as number[];
        c.setValue(0, { dims: [vals.length], data: vals });
        return [tensor('int64', [vals.length])];
      }
      case 'value_string': return [tensor('string', [])];
      case 'value_strings': return [tensor('string', [(a.value as string[]).length])];
      case 'sparse_value': {
        const dims = (a.value as { dims: number[]; values: TensorRef }).dims;
        return [tensor((a.value as { values: TensorRef }).values.elemType, dims)];
      }
    }
  }
  return undefined;
};

const constantOfShape: Rule = (c) => {
  const valueAttr = getAttribute(c.node, 'value')?.value as TensorRef | undefined;
  const elemType = valueAttr ? valueAttr.elemType : 'float32';
  const shape = c.value(0);
  const len = c.shape(0)?.[0];
  if (shape) {
    const fill = valueAttr ? tensorValue(valueAttr)?.data[0] ?? null : 0;
    const n = dimProduct(shape.data);
    if (typeof n === 'number' && n <= MAX_TRACKED_ELEMENTS) {
      c.setValue(0, { dims: shape.data as number[], data: new Array<Dim>(n).fill(fill) });
    }
    return [tensor(elemType, shape.data)];
  }
  return [tensor(elemType, typeof len === 'number' ? new Array<Dim>(len).fill(null) : undefined)];
};

const shapeOp: Rule = (c) => {
  const x = c.shape(0);
  if (!x) return [tensor('int64', [null])];
  let start = attrInt(c.node, 'start', 0);
  let end = attrInt(c.node, 'end', x.length);
  start = Math.min(Math.max(normAxis(start, x.length), 0), x.length);
  end = Math.min(Math.max(normAxis(end, x.length), 0), x.length);
  const data = x.slice(start, Math.max(start, end));
  c.setValue(0, { dims: [data.length], data });
  return [tensor('int64', [data.length])];
};

const size: Rule = (c) => {
  const x = c.shape(0);
  if (x) c.setValue(0, { dims: [], data: [dimProduct(x)] });
  return [tensor('int64', [])];
};

const range: Rule = (c) => {
  const [s, l, d] = [c.value(0)?.data[0], c.value(1)?.data[0], c.value(2)?.data[0]];
  const n = typeof s === 'number' && typeof l === 'number' && typeof d === 'number' && d !== 0 ? Math.max(Math.ceil((l - s) / d), 0) : null;
  return [tensor(c.elem(0), [n])];
};

const cast: Rule = (c) => {
  const to = elemTypeName(attrInt(c.node, 'to', 0));
  const v = c.value(0);
  if (v && (to.startsWith('int') || to.startsWith('uint'))) c.setValue(0, v);
  return [withType(c.type(0), to)];
};

const castLike: Rule = (c) => [withType(c.type(0), c.elem(1))];

const where: Rule = (c) => [tensor(c.elem(1), broadcastShapes([c.shape(0), c.shape(1), c.shape(2)]))];

const oneHot: Rule = (c) => {
  const idx = c.shape(0);
  const depth = c.value(1)?.data[0] ?? null;
  if (!idx) return [tensor(c.elem(2))];
  const rank = idx.length + 1;
  const axis = normAxis(attrInt(c.node, 'axis', -1), rank);
  const out = [...idx];
  out.splice(axis, 0, typeof depth === 'number' ? depth : null);
  return [tensor(c.elem(2), out)];
};

const resize: Rule = (c) => {
  const x = c.shape(0);
  if (!x) return [tensor(c.elem(0))];
  const opset = c.opset;
  const sizes = opset >= 11 && c.has(3) ? c.ints(3) : undefined;
  const scalesIdx = opset >= 11 ? 2 : 1;
  const scales = c.has(scalesIdx) ? c.value(scalesIdx)?.data : c.node.opType === 'Upsample' ? attrInts(c.node, 'scales') : undefined;
  const axes = attrInts(c.node, 'axes') ?? x.map((_, i) => i);
  const out = [...x];
  if (sizes) axes.forEach((a, i) => { out[normAxis(a, x.length)] = sizes[i]; });
  else if (scales && scales.length) {
    axes.forEach((a, i) => {
      const k = normAxis(a, x.length);
      const s = scales[i];
      out[k] = typeof x[k] === 'number' && typeof s === 'number' ? Math.floor((x[k] as number) * s) : s === 1 ? x[k] : null;
    });
  } else return [tensor(c.elem(0), x.map(() => null))];
  return [tensor(c.elem(0), out)];
};

const lossOp: Rule = (c) => {
  const scores = c.shape(0);
  const reduction = attrString(c.node, 'reduction', 'mean');
  const labels = c.shape(1);
  const lossShape = reduction === 'none' ? (labels ?? (scores ? [scores[0], ...scores.slice(2)] : undefined)) : [];
  return [tensor(c.elem(0), lossShape), same(c)];
};

const nonZero: Rule = (c) => [tensor('int64', [c.shape(0)?.length ?? null, null])];

/** If: the branch outputs, when both branches agree. */
const ifOp: Rule = (c) => {
  const thenG = getAttribute(c.node, 'then_branch')?.value as OnnxGraph | undefined;
  const elseG = getAttribute(c.node, 'else_branch')?.value as OnnxGraph | undefined;
  if (!thenG) return undefined;
  return thenG.outputs.map((o, i) => {
    const e = elseG?.outputs[i];
    if (!e || !o.shape || !e.shape || o.shape.length !== e.shape.length) return { elemType: o.elemType };
    return { elemType: o.elemType, shape: o.shape.map((d, j) => (d === e.shape![j] ? d : null)) };
  });
};

const quantize: Rule = (c) => [withType(c.type(0), c.has(2) ? c.elem(2) : 'uint8')];
const dequantize: Rule = (c) => [withType(c.type(0), c.has(1) && c.elem(1) !== 'unknown' && c.elem(1).startsWith('float') ? c.elem(1) : 'float32')];
const randomLike: Rule = (c) => {
  const dtype = attrInt(c.node, 'dtype');
  return [withType(c.type(0), dtype !== undefined ? elemTypeName(dtype) : c.elem(0))];
};

// ---- the table ----

export const RULES = new Map<string, Rule>();
const add = (names: string, rule: Rule) => { for (const n of names.split(/\s+/).filter(Boolean)) RULES.set(n, rule); };

add(`Relu Sigmoid Tanh Gelu Erf Exp Log Sqrt Abs LeakyRelu Softplus Softsign Elu Selu Celu HardSigmoid HardSwish
  Mish Reciprocal Floor Ceil Round Sign Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh Acosh Atanh ThresholdedRelu Shrink
  Not BitwiseNot LpNormalization InstanceNormalization LRN MeanVarianceNormalization GroupNormalization Softmax LogSoftmax
  Hardmax CumSum Trilu ReverseSequence Swish ScatterElements ScatterND Scatter EyeLike Clip`, unary);
add('Identity', passValue);
add('Neg', neg);
add('Add', arith((a, b) => a + b));
add('Sub', arith((a, b) => a - b));
add('Mul', arith((a, b) => a * b));
add('Div', arith((a, b) => (b === 0 ? NaN : Math.trunc(a / b))));
add('Pow Mod PRelu BitShift BitwiseAnd BitwiseOr BitwiseXor Max Min Sum Mean', binary);
add('And Or Xor', booleanOp);
add('Equal Less Greater LessOrEqual GreaterOrEqual', compare);
add('IsNaN IsInf', toBool);
add('Where', where);
add('Gemm', gemm);
add('MatMul', matmul);
add('MatMulInteger', matmulInteger);
add('Conv ConvInteger', conv);
add('ConvTranspose', convTranspose);
add('MaxPool AveragePool LpPool', pool);
add('GlobalAveragePool GlobalMaxPool GlobalLpPool', globalPool);
add('BatchNormalization', batchNorm);
add('LayerNormalization', layerNorm);
add('Dropout', dropout);
add('Reshape', reshape);
add('Flatten', flatten);
add('Transpose', transpose);
add('Concat', concat);
add('Split', split);
add('Slice', slice);
add('Gather', gather);
add('GatherElements', gatherElements);
add('GatherND', gatherND);
add('Squeeze', squeeze);
add('Unsqueeze', unsqueeze);
add('ReduceMean ReduceSum ReduceMax ReduceMin ReduceProd ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceSumSquare', reduce);
add('ArgMax ArgMin', argReduce);
add('TopK', topK);
add('Expand', expand);
add('Tile', tile);
add('Pad', pad);
add('DepthToSpace SpaceToDepth', depthToSpace);
add('Constant', constant);
add('ConstantOfShape', constantOfShape);
add('Shape', shapeOp);
add('Size', size);
add('Range', range);
add('Cast', cast);
add('CastLike', castLike);
add('OneHot', oneHot);
add('Resize Upsample', resize);
add('SoftmaxCrossEntropyLoss NegativeLogLikelihoodLoss', lossOp);
add('NonZero', nonZero);
add('If', ifOp);
add('QuantizeLinear', quantize);
add('DequantizeLinear', dequantize);
add('RandomNormalLike RandomUniformLike Bernoulli', randomLike);
