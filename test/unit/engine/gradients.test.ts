// Backward of every op against central finite differences in float64, over the attribute
// combinations that change the gradient's shape or routing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../extension/engine/rng';
import { Tensor } from '../../../extension/engine/tensor';
import type { Attrs } from '../../../extension/engine/ops/op';
import { gradCheck, ints, rand, type GradCheckOptions } from './gradcheck';

const rng = new Rng(1234);
const R = (...shape: number[]) => rand(shape, rng);
const P = (...shape: number[]) => rand(shape, rng, 0.5, 2); // positive (Log, Sqrt, Pow base)
const f64 = (shape: number[], v: number[]) => Tensor.from('float64', shape, v);

interface Case { op: string; attrs?: Attrs; inputs: (Tensor | undefined)[]; opts?: GradCheckOptions; name?: string }

function check(c: Case) {
  test(`grad ${c.op} ${c.name ?? JSON.stringify(c.attrs ?? {})}`, () => {
    assert.equal(gradCheck(c.op, c.attrs ?? {}, c.inputs, c.opts), '');
  });
}

// elementwise with broadcasting in both directions
for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
  check({ op, name: 'same shape', inputs: [R(2, 3), op === 'Div' ? P(2, 3) : R(2, 3)] });
  check({ op, name: 'y broadcast', inputs: [R(2, 3, 4), op === 'Div' ? P(3, 1) : R(3, 1)] });
  check({ op, name: 'x broadcast', inputs: [R(1, 4), op === 'Div' ? P(2, 3, 4) : R(2, 3, 4)] });
  check({ op, name: 'scalar', inputs: [R(2, 3), op === 'Div' ? P() : R()] });
}
check({ op: 'Pow', name: 'both', inputs: [P(2, 3), R(2, 3)] });
check({ op: 'Pow', name: 'broadcast exponent', inputs: [P(2, 3), R(3)] });
for (const op of ['Neg', 'Abs', 'Exp', 'Erf', 'Relu', 'Sigmoid', 'Tanh']) check({ op, inputs: [R(3, 4)] });
for (const op of ['Log', 'Sqrt', 'Reciprocal']) check({ op, inputs: [P(3, 4)] });
check({ op: 'LeakyRelu', attrs: { alpha: 0.2 }, inputs: [R(3, 4)] });
check({ op: 'Gelu', attrs: { approximate: 'none' }, inputs: [R(3, 4)] });
check({ op: 'Gelu', attrs: { approximate: 'tanh' }, inputs: [R(3, 4)] });
check({ op: 'Clip', name: 'min/max inputs', inputs: [R(3, 4), f64([], [-0.5]), f64([], [0.4])], opts: { wrt: [0] } });
check({ op: 'Sum', inputs: [R(2, 3), R(3), R(2, 1)] });
check({ op: 'Max', inputs: [R(2, 3), R(3)] });
check({ op: 'Min', inputs: [R(2, 3), R(2, 3)] });
check({ op: 'Where', inputs: [Tensor.from('bool', [2, 3], [1, 0, 1, 0, 0, 1]), R(2, 3), R(3)] });
for (const axis of [0, 1, -1]) {
  check({ op: 'Softmax', attrs: { axis }, inputs: [R(2, 3, 4)] });
  check({ op: 'LogSoftmax', attrs: { axis }, inputs: [R(2, 3, 4)] });
}
check({ op: 'Softmax', name: 'opset 11 (2-D coercion)', attrs: { axis: 1 }, inputs: [R(2, 3, 4)], opts: { opset: 11 } });

// linear algebra
for (const transA of [0, 1]) for (const transB of [0, 1]) {
  check({ op: 'Gemm', attrs: { transA, transB, alpha: 0.7, beta: 1.3 }, inputs: [transA ? R(4, 3) : R(3, 4), transB ? R(5, 4) : R(4, 5), R(5)] });
}
check({ op: 'Gemm', name: 'matrix bias', inputs: [R(3, 4), R(4, 5), R(3, 5)] });
check({ op: 'Gemm', name: 'no bias', inputs: [R(3, 4), R(4, 5)] });
check({ op: 'MatMul', name: '2-D', inputs: [R(3, 4), R(4, 2)] });
check({ op: 'MatMul', name: 'batched broadcast', inputs: [R(2, 1, 3, 4), R(3, 4, 2)] });
check({ op: 'MatMul', name: '1-D × 3-D', inputs: [R(4), R(2, 4, 3)] });
check({ op: 'MatMul', name: '3-D × 1-D', inputs: [R(2, 3, 4), R(4)] });

// convolution
check({ op: 'Conv', name: 'basic + bias', inputs: [R(2, 3, 5, 5), R(4, 3, 3, 3), R(4)] });
check({ op: 'Conv', attrs: { strides: [2, 2], pads: [1, 0, 2, 1] }, inputs: [R(1, 2, 6, 5), R(3, 2, 3, 2)] });
check({ op: 'Conv', attrs: { dilations: [2, 2], pads: [2, 2, 2, 2] }, inputs: [R(1, 2, 5, 5), R(2, 2, 3, 3)] });
check({ op: 'Conv', attrs: { group: 2 }, inputs: [R(2, 4, 4, 4), R(6, 2, 3, 3), R(6)] });
check({ op: 'Conv', name: 'depthwise', attrs: { group: 3, pads: [1, 1, 1, 1] }, inputs: [R(1, 3, 4, 4), R(3, 1, 3, 3)] });
check({ op: 'Conv', name: 'pointwise', inputs: [R(2, 3, 3, 3), R(2, 3, 1, 1)] });
check({ op: 'Conv', attrs: { auto_pad: 'SAME_UPPER', strides: [2] }, inputs: [R(1, 2, 7), R(3, 2, 3)] });
check({ op: 'Conv', name: '3-D', attrs: { pads: [1, 0, 0, 1, 0, 0] }, inputs: [R(1, 2, 3, 3, 3), R(2, 2, 2, 2, 2)] });
check({ op: 'ConvTranspose', attrs: { strides: [2, 2] }, inputs: [R(1, 2, 3, 3), R(2, 3, 3, 3), R(3)] });
check({ op: 'ConvTranspose', attrs: { strides: [2, 2], pads: [1, 1, 0, 1], output_padding: [1, 0] }, inputs: [R(1, 2, 3, 3), R(2, 2, 3, 3)] });
check({ op: 'ConvTranspose', attrs: { group: 2, dilations: [2, 1] }, inputs: [R(1, 4, 3, 3), R(4, 1, 2, 2)] });

// pooling
check({ op: 'MaxPool', attrs: { kernel_shape: [2, 2], strides: [2, 2] }, inputs: [R(2, 2, 4, 4)] });
check({ op: 'MaxPool', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }, inputs: [R(1, 2, 5, 5)] });
check({ op: 'MaxPool', attrs: { kernel_shape: [2, 2], ceil_mode: 1, strides: [2, 2] }, inputs: [R(1, 1, 5, 5)], opts: { outputs: 1 } });
check({ op: 'AveragePool', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 0 }, inputs: [R(1, 2, 4, 4)] });
check({ op: 'AveragePool', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1, strides: [2, 2] }, inputs: [R(1, 2, 5, 5)] });
check({ op: 'AveragePool', attrs: { kernel_shape: [2, 2], ceil_mode: 1, strides: [2, 2] }, inputs: [R(1, 1, 5, 5)] });
check({ op: 'GlobalAveragePool', inputs: [R(2, 3, 4, 4)] });

// normalization
check({ op: 'BatchNormalization', name: 'training', attrs: { training_mode: 1, epsilon: 1e-5 }, inputs: [R(4, 3, 2, 2), P(3), R(3), R(3), P(3)], opts: { opset: 15, wrt: [0, 1, 2], rtol: 1e-4 } });
check({ op: 'BatchNormalization', name: 'inference', inputs: [R(4, 3, 2), P(3), R(3), R(3), P(3)], opts: { wrt: [0, 1, 2] } });
check({ op: 'LayerNormalization', attrs: { axis: -1 }, inputs: [R(3, 5), P(5), R(5)], opts: { rtol: 1e-4 } });
check({ op: 'LayerNormalization', attrs: { axis: 1 }, inputs: [R(2, 3, 4), P(3, 4), R(3, 4)], opts: { rtol: 1e-4 } });
check({ op: 'Dropout', name: 'eval', inputs: [R(3, 4)] });
check({ op: 'Dropout', name: 'training (fixed seed)', inputs: [R(3, 4), f64([], [0.3])], opts: { training: true, wrt: [0] } });

// shape and data movement
check({ op: 'Flatten', attrs: { axis: 2 }, inputs: [R(2, 3, 2, 2)] });
check({ op: 'Reshape', inputs: [R(2, 3, 4), ints([2], [4, -1])] });
check({ op: 'Squeeze', inputs: [R(2, 1, 3), ints([1], [1])] });
check({ op: 'Unsqueeze', inputs: [R(2, 3), ints([2], [0, -1])] });
check({ op: 'Transpose', attrs: { perm: [2, 0, 1] }, inputs: [R(2, 3, 4)] });
check({ op: 'Expand', inputs: [R(3, 1), ints([3], [2, 3, 4])] });
check({ op: 'Identity', inputs: [R(2, 2)] });
check({ op: 'Concat', attrs: { axis: 1 }, inputs: [R(2, 3), R(2, 1), R(2, 2)] });
check({ op: 'Split', attrs: { axis: 1 }, inputs: [R(2, 6), ints([3], [1, 2, 3])], opts: { outputs: 3 } });
check({ op: 'Split', name: 'equal, one output unused', attrs: { axis: 0, num_outputs: 2 }, inputs: [R(4, 2)], opts: { outputs: 2 } });
check({ op: 'Slice', inputs: [R(4, 5), ints([2], [1, 0]), ints([2], [3, 5]), ints([2], [0, 1]), ints([2], [1, 2])] });
check({ op: 'Slice', name: 'negative steps', inputs: [R(4, 5), ints([1], [-1]), ints([1], [-5]), ints([1], [1]), ints([1], [-2])] });
check({ op: 'Gather', attrs: { axis: 0 }, inputs: [R(4, 3), ints([3], [0, 2, 0])] });
check({ op: 'Gather', attrs: { axis: 1 }, inputs: [R(2, 4, 3), ints([2, 2], [3, -1, 0, 1])] });
check({ op: 'GatherElements', attrs: { axis: 1 }, inputs: [R(2, 3), ints([2, 2], [0, 2, 1, 1])] });
check({ op: 'Pad', attrs: { mode: 'constant' }, inputs: [R(2, 3), ints([4], [1, 0, 0, 2]), f64([], [0.5])], opts: { wrt: [0] } });
check({ op: 'Pad', attrs: { mode: 'reflect' }, inputs: [R(3, 4), ints([4], [2, 1, 1, 2])] });
check({ op: 'Pad', attrs: { mode: 'edge' }, inputs: [R(3, 4), ints([4], [1, 2, 2, 0])] });
check({ op: 'Resize', attrs: { mode: 'linear' }, inputs: [R(1, 1, 3, 3), undefined, f64([4], [1, 1, 2, 1.5])], opts: { wrt: [0] } });
check({ op: 'Resize', attrs: { mode: 'nearest' }, inputs: [R(1, 1, 2, 3), undefined, f64([4], [1, 1, 2, 2])], opts: { wrt: [0] } });
check({ op: 'Cast', attrs: { to: 11 }, inputs: [R(2, 3)] });

// reductions
for (const op of ['ReduceSum', 'ReduceMean', 'ReduceMax']) {
  check({ op, attrs: { keepdims: 1 }, inputs: [R(2, 3, 4), ints([1], [1])] });
  check({ op, attrs: { keepdims: 0 }, inputs: [R(2, 3, 4), ints([2], [0, -1])] });
  check({ op, name: 'all axes', attrs: { keepdims: 0 }, inputs: [R(2, 3)] });
}

// losses
const labels = ints([4], [0, 2, 1, 2]);
for (const reduction of ['mean', 'sum', 'none']) {
  check({ op: 'SoftmaxCrossEntropyLoss', attrs: { reduction }, inputs: [R(4, 3), labels] });
  check({ op: 'NegativeLogLikelihoodLoss', attrs: { reduction }, inputs: [R(4, 3), labels] });
}
check({ op: 'SoftmaxCrossEntropyLoss', name: 'weights + ignore_index + log_prob', attrs: { ignore_index: 1 }, inputs: [R(4, 3), labels, P(3)], opts: { outputs: 2, wrt: [0] } });
check({ op: 'SoftmaxCrossEntropyLoss', name: 'N,C,d', inputs: [R(2, 3, 2), ints([2, 2], [0, 1, 2, 2])] });
check({ op: 'NegativeLogLikelihoodLoss', name: 'weights N,C,d', inputs: [R(2, 3, 2), ints([2, 2], [0, 1, 2, 2]), P(3)], opts: { wrt: [0] } });
