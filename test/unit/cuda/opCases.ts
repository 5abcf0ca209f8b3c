// The op cases the CUDA tests run (one-node graphs, float32): cudaParity.test.ts compares
// them with the CPU backend on a GPU; launchGlue.test.ts runs them against a stand-in addon
// to check every kernel launch's arguments without one.

import { Executor } from '../../../extension/engine/executor';
import type { Backend } from '../../../extension/engine/backend';
import type { EngineGraph } from '../../../extension/engine/graph';
import type { Attrs } from '../../../extension/engine/ops/op';
import { Rng } from '../../../extension/engine/rng';
import { isFloat, Tensor } from '../../../extension/engine/tensor';

const rng = new Rng(4321);
const R = (...shape: number[]) => { const t = Tensor.zeros('float32', shape); for (let i = 0; i < t.size; i++) t.data[i] = rng.next() * 2 - 1; return t; };
const P = (...shape: number[]) => { const t = Tensor.zeros('float32', shape); for (let i = 0; i < t.size; i++) t.data[i] = 0.5 + 1.5 * rng.next(); return t; };
const ints = (shape: number[], v: number[]) => Tensor.from('int64', shape, v);
const f32 = (shape: number[], v: number[]) => Tensor.from('float32', shape, v);
const labels = (n: number, c: number) => ints([n], Array.from({ length: n }, (_, i) => (i * 7 + 3) % c));

export interface Case { op: string; attrs?: Attrs; inputs: (Tensor | undefined)[]; name?: string; opset?: number; training?: boolean; outputs?: number; wrt?: number[] }

export interface Result { outs: Map<string, Float32Array>; grads: Map<string, Float32Array> }

export function runCase(backend: Backend, c: Case, seeds: Map<string, Tensor> | undefined): Result & { shapes: Map<string, number[]> } {
  const names = c.inputs.map((t, i) => (t ? `x${i}` : ''));
  const outNames = Array.from({ length: c.outputs ?? 1 }, (_, i) => `y${i}`);
  const graph: EngineGraph = {
    nodes: [{ name: 'n0', opType: c.op, domain: '', inputs: names, outputs: outNames, attrs: structuredClone(c.attrs ?? {}) }],
    inputs: names.filter((n) => n).map((name) => ({ name })), outputs: outNames,
    initializers: new Map(), params: new Set(), opset: c.opset ?? 18,
  };
  const ex = new Executor(graph, backend);
  const wrt = (c.wrt ?? c.inputs.map((t, i) => (t && isFloat(t.dtype) ? i : -1)).filter((i) => i >= 0)).map((i) => names[i]);
  const feeds = new Map(c.inputs.flatMap((t, i) => (t ? [[names[i], t] as [string, Tensor]] : [])));
  const tape = ex.forward(feeds, { training: c.training ?? false, rng: new Rng(7), wrt });
  const outs = new Map<string, Float32Array>(), shapes = new Map<string, number[]>();
  for (const n of outNames) { const y = tape.values.get(n); if (y) { outs.set(n, Float32Array.from(y.data)); shapes.set(n, y.shape.slice()); } }
  const grads = new Map<string, Float32Array>();
  if (seeds && seeds.size) for (const [k, g] of ex.backward(tape, seeds)) grads.set(k, Float32Array.from(g.data));
  return { outs, grads, shapes };
}

export const RTOL = 1e-4;

/** TF32 tolerance: |cuda − cpu| ≤ 1e-2 · max(|cpu|, 0.1 · max|cpu|) (inputs keep a 10-bit mantissa). */
export const TF32_RTOL = 1e-2;

export function compare(what: string, got: Float32Array, want: Float32Array, rtol = RTOL, floor = 1e-2): string {
  if (got.length !== want.length) return `${what}: length ${got.length} vs ${want.length}`;
  let maxAbs = 0;
  for (const v of want) if (Number.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    if (!Number.isFinite(b) && a === b) continue;
    if (!(Math.abs(a - b) <= rtol * Math.max(Math.abs(b), floor * maxAbs))) return `${what}[${i}]: cuda ${a}, cpu ${b}`;
  }
  return '';
}

export function opCases(): Case[] {
  const cases: Case[] = [];
  const check = (c: Case) => cases.push(c);
  // elementwise, broadcasting both ways
  for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
    check({ op, name: 'same shape', inputs: [R(33, 65), op === 'Div' ? P(33, 65) : R(33, 65)] });
    check({ op, name: 'y broadcast', inputs: [R(2, 3, 4), op === 'Div' ? P(3, 1) : R(3, 1)] });
    check({ op, name: 'x broadcast', inputs: [R(1, 4), op === 'Div' ? P(2, 3, 4) : R(2, 3, 4)] });
    check({ op, name: 'scalar', inputs: [R(2, 3), op === 'Div' ? P() : R()] });
  }
  check({ op: 'Pow', inputs: [P(2, 3), R(3)] });
  check({ op: 'Max', inputs: [R(2, 3), R(3)] });
  check({ op: 'Min', inputs: [R(2, 3), R(2, 3)] });
  check({ op: 'Where', inputs: [Tensor.from('bool', [2, 3], [1, 0, 1, 0, 0, 1]), R(2, 3), R(3)] });
  for (const op of ['Neg', 'Abs', 'Exp', 'Erf', 'Relu', 'Sigmoid', 'Tanh']) check({ op, inputs: [R(7, 129)] });
  for (const op of ['Log', 'Sqrt', 'Reciprocal']) check({ op, inputs: [P(3, 4)] });
  check({ op: 'LeakyRelu', attrs: { alpha: 0.2 }, inputs: [R(3, 4)] });
  check({ op: 'Gelu', attrs: { approximate: 'none' }, inputs: [R(3, 4)] });
  check({ op: 'Gelu', attrs: { approximate: 'tanh' }, inputs: [R(3, 4)] });
  check({ op: 'Clip', inputs: [R(3, 4), f32([], [-0.5]), f32([], [0.4])], wrt: [0] });
  for (const axis of [0, 1, -1]) {
    check({ op: 'Softmax', attrs: { axis }, inputs: [R(2, 3, 4)] });
    check({ op: 'LogSoftmax', attrs: { axis }, inputs: [R(2, 3, 4)] });
  }
  check({ op: 'LogSoftmax', name: 'long rows', attrs: { axis: 1 }, inputs: [R(64, 1000)] });
  // linear algebra, including sizes that are not tile multiples
  for (const transA of [0, 1]) for (const transB of [0, 1]) {
    check({ op: 'Gemm', attrs: { transA, transB, alpha: 0.7, beta: 1.3 }, inputs: [transA ? R(4, 3) : R(3, 4), transB ? R(5, 4) : R(4, 5), R(5)] });
  }
  check({ op: 'Gemm', name: 'linear layer 130×70·70ᵀ + bias', attrs: { transB: 1 }, inputs: [R(130, 70), R(65, 70), R(65)] });
  check({ op: 'Gemm', name: 'fused ReLU (executor fusion)', attrs: { transB: 1, __activation: 'Relu' }, inputs: [R(64, 70), R(65, 70), R(65)] });
  check({ op: 'Conv', name: 'fused ReLU (executor fusion)', attrs: { pads: [1, 1, 1, 1], __activation: 'Relu' }, inputs: [R(2, 8, 8, 8), R(16, 8, 3, 3), R(16)] });
  check({ op: 'Gemm', name: 'matrix bias', inputs: [R(3, 4), R(4, 5), R(3, 5)] });
  check({ op: 'MatMul', name: '2-D', inputs: [R(67, 129), R(129, 33)] });
  // both output sides ≥ 128: the 128×128-tile kernel, forward and backward, edges in M, N and K
  check({ op: 'MatMul', name: 'large 2-D (128×128 tiles)', inputs: [R(200, 150), R(150, 260)] });
  check({ op: 'Gemm', name: 'large, both transposed, bias (128×128 tiles)', attrs: { transA: 1, transB: 1, alpha: 0.5 }, inputs: [R(150, 200), R(260, 150), R(260)] });
  check({ op: 'Gemm', name: 'large fused ReLU (128×128 tiles)', attrs: { transB: 1, __activation: 'Relu' }, inputs: [R(130, 90), R(140, 90), R(140)] });
  check({ op: 'MatMul', name: 'large batched (128×128 tiles)', inputs: [R(2, 130, 40), R(2, 40, 140)] });
  check({ op: 'MatMul', name: 'batched', inputs: [R(3, 17, 33), R(3, 33, 9)] });
  check({ op: 'MatMul', name: 'broadcast B', inputs: [R(2, 3, 17, 33), R(33, 9)] });
  check({ op: 'MatMul', name: 'partial broadcast (CPU path)', inputs: [R(2, 1, 3, 4), R(3, 4, 2)] });
  check({ op: 'MatMul', name: '1-D × 3-D', inputs: [R(4), R(2, 4, 3)] });
  // convolution
  check({ op: 'Conv', name: 'basic + bias', inputs: [R(2, 3, 5, 5), R(4, 3, 3, 3), R(4)] });
  check({ op: 'Conv', name: 'ResNet 3×3', attrs: { pads: [1, 1, 1, 1] }, inputs: [R(4, 16, 16, 16), R(32, 16, 3, 3)] });
  check({ op: 'Conv', name: 'wide 3×3 + bias (128×128 GEMM tiles)', attrs: { pads: [1, 1, 1, 1] }, inputs: [R(2, 16, 16, 16), R(128, 16, 3, 3), R(128)] });
  check({ op: 'Conv', name: 'ResNet stride 2', attrs: { pads: [1, 1, 1, 1], strides: [2, 2] }, inputs: [R(4, 16, 16, 16), R(32, 16, 3, 3), R(32)] });
  check({ op: 'Conv', attrs: { strides: [2, 2], pads: [1, 0, 2, 1] }, inputs: [R(1, 2, 6, 5), R(3, 2, 3, 2)] });
  check({ op: 'Conv', attrs: { dilations: [2, 2], pads: [2, 2, 2, 2] }, inputs: [R(1, 2, 5, 5), R(2, 2, 3, 3)] });
  check({ op: 'Conv', attrs: { group: 2 }, inputs: [R(2, 4, 4, 4), R(6, 2, 3, 3), R(6)] });
  check({ op: 'Conv', name: 'depthwise', attrs: { group: 3, pads: [1, 1, 1, 1] }, inputs: [R(1, 3, 4, 4), R(3, 1, 3, 3)] });
  check({ op: 'Conv', name: 'pointwise', inputs: [R(2, 3, 3, 3), R(2, 3, 1, 1)] });
  check({ op: 'Conv', name: '1×1 stride 2 (shortcut)', attrs: { strides: [2, 2] }, inputs: [R(4, 16, 8, 8), R(32, 16, 1, 1)] });
  check({ op: 'Conv', name: '1-D', attrs: { auto_pad: 'SAME_UPPER', strides: [2] }, inputs: [R(1, 2, 7), R(3, 2, 3)] });
  check({ op: 'Conv', name: '3-D', attrs: { pads: [1, 0, 0, 1, 0, 0] }, inputs: [R(1, 2, 3, 3, 3), R(2, 2, 2, 2, 2)] });
  check({ op: 'ConvTranspose', attrs: { strides: [2, 2] }, inputs: [R(1, 2, 3, 3), R(2, 3, 3, 3), R(3)] });
  // pooling
  check({ op: 'MaxPool', attrs: { kernel_shape: [2, 2], strides: [2, 2] }, inputs: [R(2, 2, 4, 4)] });
  check({ op: 'MaxPool', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }, inputs: [R(4, 8, 16, 16)] });
  check({ op: 'MaxPool', attrs: { kernel_shape: [2, 2], ceil_mode: 1, strides: [2, 2] }, inputs: [R(1, 1, 5, 5)] });
  check({ op: 'AveragePool', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 0 }, inputs: [R(1, 2, 4, 4)] });
  check({ op: 'AveragePool', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1, strides: [2, 2] }, inputs: [R(1, 2, 5, 5)] });
  check({ op: 'GlobalAveragePool', inputs: [R(8, 64, 4, 4)] });
  // normalization
  check({ op: 'BatchNormalization', name: 'training', attrs: { training_mode: 1, epsilon: 1e-5 }, inputs: [R(8, 16, 8, 8), P(16), R(16), R(16), P(16)], opset: 15, wrt: [0, 1, 2], outputs: 1 });
  check({ op: 'BatchNormalization', name: 'inference', inputs: [R(4, 3, 2), P(3), R(3), R(3), P(3)], wrt: [0, 1, 2] });
  check({ op: 'LayerNormalization', attrs: { axis: -1 }, inputs: [R(3, 5), P(5), R(5)] });
  check({ op: 'Dropout', name: 'training (fixed seed)', inputs: [R(3, 4), f32([], [0.3])], training: true, wrt: [0] });
  // shape and data movement
  check({ op: 'Cast', name: 'float → int64', attrs: { to: 7 }, inputs: [f32([5], [-2.7, -0.5, 0, 0.9, 3.2])], wrt: [] });
  check({ op: 'Cast', name: 'int64 → float', attrs: { to: 1 }, inputs: [ints([3], [-4, 0, 9])], wrt: [] });
  check({ op: 'Flatten', attrs: { axis: 1 }, inputs: [R(2, 3, 2, 2)] });
  check({ op: 'Transpose', attrs: { perm: [2, 0, 1] }, inputs: [R(2, 3, 4)] });
  check({ op: 'Expand', inputs: [R(3, 1), ints([3], [2, 3, 4])] });
  check({ op: 'Concat', attrs: { axis: 1 }, inputs: [R(2, 3), R(2, 1), R(2, 2)] });
  check({ op: 'Slice', inputs: [R(4, 5), ints([2], [1, 0]), ints([2], [3, 5]), ints([2], [0, 1]), ints([2], [1, 2])] });
  check({ op: 'Gather', attrs: { axis: 0 }, inputs: [R(4, 3), ints([3], [0, 2, 0])] });
  check({ op: 'Pad', attrs: { mode: 'reflect' }, inputs: [R(3, 4), ints([4], [2, 1, 1, 2])] });
  check({ op: 'Resize', attrs: { mode: 'linear' }, inputs: [R(1, 1, 3, 3), undefined, f32([4], [1, 1, 2, 1.5])], wrt: [0] });
  // reductions
  for (const op of ['ReduceSum', 'ReduceMean', 'ReduceMax']) {
    check({ op, attrs: { keepdims: 1 }, inputs: [R(2, 3, 4), ints([1], [1])] });
    check({ op, name: 'non-adjacent axes', attrs: { keepdims: 0 }, inputs: [R(8, 16, 4, 4), ints([3], [0, 2, 3])] });
    check({ op, name: 'all axes', attrs: { keepdims: 0 }, inputs: [R(33, 70)] });
  }
  // losses
  for (const reduction of ['mean', 'sum', 'none']) {
    check({ op: 'SoftmaxCrossEntropyLoss', attrs: { reduction }, inputs: [R(64, 10), labels(64, 10)] });
    check({ op: 'NegativeLogLikelihoodLoss', attrs: { reduction }, inputs: [R(4, 3), ints([4], [0, 2, 1, 2])] });
  }
  check({ op: 'SoftmaxCrossEntropyLoss', name: 'weights + ignore_index', attrs: { ignore_index: 1 }, inputs: [R(4, 3), ints([4], [0, 2, 1, 2]), P(3)], outputs: 2, wrt: [0] });
  check({ op: 'NegativeLogLikelihoodLoss', name: 'N,C,d weights', inputs: [R(2, 3, 2), ints([2, 2], [0, 1, 2, 2]), P(3)], wrt: [0] });
  return cases;
}

/** Fixed random seeds for every output of a case (from the shapes the CPU produced). */
export function seedsFor(shapes: Map<string, number[]>): Map<string, Tensor> {
  const srng = new Rng(99), seeds = new Map<string, Tensor>();
  for (const [n, shape] of shapes) {
    const s = Tensor.zeros('float32', shape);
    for (let i = 0; i < s.size; i++) s.data[i] = srng.next() * 2 - 1;
    seeds.set(n, s);
  }
  return seeds;
}
