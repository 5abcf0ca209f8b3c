// Shape inference rules on hand-built graphs: symbolic dims, value propagation through shape
// arithmetic, opset-dependent attributes vs inputs, and robustness on odd models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModel } from '../../../extension/onnx/reader';
import { inferModelShapes, broadcastShapes } from '../../../extension/onnx/shapeInference';
import { FLOAT, INT64, attr, floatTensor, int64Tensor, modelBytes, node, valueInfo, type ModelSpec } from './helpers';

function infer(spec: Partial<ModelSpec> & Pick<ModelSpec, 'nodes' | 'inputs'>, useDeclared = false) {
  const m = readModel(modelBytes({ outputs: [], ...spec }));
  return inferModelShapes(m, { useDeclared });
}
const shapeOf = (s: ReturnType<typeof infer>, name: string) => s.get(name)?.shape;

test('broadcasting keeps symbolic dims and fills 1s', () => {
  assert.deepEqual(broadcastShapes([['batch', 1, 4], [3, 1]]), ['batch', 3, 4]);
  assert.deepEqual(broadcastShapes([['n'], ['n']]), ['n']);
  assert.deepEqual(broadcastShapes([['n'], ['m']]), [null]);
  assert.deepEqual(broadcastShapes([[null], [5]]), [5]);
  assert.equal(broadcastShapes([[1], undefined]), undefined);
});

test('MLP: Gemm/Relu/MatMul with a symbolic batch', () => {
  const s = infer({
    inputs: [valueInfo('x', FLOAT, ['batch', 784])],
    initializers: [floatTensor('W', [784, 10], new Float32Array(7840)), floatTensor('Wt', [10, 784], new Float32Array(7840)), floatTensor('v', [10], new Float32Array(10))],
    nodes: [
      node('Gemm', ['x', 'W'], ['g']), node('Relu', ['g'], ['r']),
      node('Gemm', ['x', 'Wt'], ['gt'], [attr.int('transB', 1)]),
      node('MatMul', ['r', 'v'], ['mv']), node('MatMul', ['v', 'Wt'], ['vm']),
      node('Softmax', ['r'], ['p']), node('ArgMax', ['p'], ['am'], [attr.int('axis', 1), attr.int('keepdims', 0)]),
    ],
  });
  assert.deepEqual(shapeOf(s, 'g'), ['batch', 10]);
  assert.deepEqual(shapeOf(s, 'gt'), ['batch', 10]);
  assert.deepEqual(shapeOf(s, 'r'), ['batch', 10]);
  assert.deepEqual(shapeOf(s, 'mv'), ['batch']);
  assert.deepEqual(shapeOf(s, 'vm'), [784]);
  assert.deepEqual(s.get('am'), { name: 'am', elemType: 'int64', shape: ['batch'] });
});

test('batched MatMul broadcasts batch dims', () => {
  const s = infer({
    inputs: [valueInfo('a', FLOAT, ['b', 1, 5, 6]), valueInfo('c', FLOAT, [3, 6, 7])],
    nodes: [node('MatMul', ['a', 'c'], ['y'])],
  });
  assert.deepEqual(shapeOf(s, 'y'), ['b', 3, 5, 7]);
});

test('Conv/pool: strides, pads, dilations, auto_pad, group, ceil_mode; ConvTranspose', () => {
  const s = infer({
    inputs: [valueInfo('x', FLOAT, ['N', 3, 32, 32])],
    initializers: [floatTensor('W', [16, 3, 3, 3], new Float32Array(432)), floatTensor('Wd', [16, 1, 3, 3], new Float32Array(144)),
      floatTensor('Wt', [16, 8, 4, 4], new Float32Array(2048))],
    nodes: [
      node('Conv', ['x', 'W'], ['c1'], [attr.ints('pads', [1, 1, 1, 1])]),
      node('Conv', ['x', 'W'], ['c2'], [attr.ints('strides', [2, 2])]),
      node('Conv', ['x', 'W'], ['c3'], [attr.string('auto_pad', 'SAME_UPPER'), attr.ints('strides', [2, 2])]),
      node('Conv', ['x', 'W'], ['c4'], [attr.ints('dilations', [2, 2])]),
      node('Conv', ['c1', 'Wd'], ['dw'], [attr.int('group', 16), attr.ints('pads', [1, 1, 1, 1])]),
      node('MaxPool', ['c1'], ['p1'], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]),
      node('AveragePool', ['c2'], ['p2'], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2]), attr.int('ceil_mode', 1)]),
      node('GlobalAveragePool', ['p1'], ['gap']),
      node('ConvTranspose', ['c1', 'Wt'], ['ct'], [attr.ints('strides', [2, 2]), attr.ints('pads', [1, 1, 1, 1])]),
      node('Flatten', ['gap'], ['f']),
    ],
  });
  assert.deepEqual(shapeOf(s, 'c1'), ['N', 16, 32, 32]);
  assert.deepEqual(shapeOf(s, 'c2'), ['N', 16, 15, 15]);
  assert.deepEqual(shapeOf(s, 'c3'), ['N', 16, 16, 16]);
  assert.deepEqual(shapeOf(s, 'c4'), ['N', 16, 28, 28]);
  assert.deepEqual(shapeOf(s, 'dw'), ['N', 16, 32, 32]);
  assert.deepEqual(shapeOf(s, 'p1'), ['N', 16, 16, 16]);
  assert.deepEqual(shapeOf(s, 'p2'), ['N', 16, 8, 8]);
  assert.deepEqual(shapeOf(s, 'gap'), ['N', 16, 1, 1]);
  assert.deepEqual(shapeOf(s, 'ct'), ['N', 8, 64, 64]);
  assert.deepEqual(shapeOf(s, 'f'), ['N', 16]);
});

test('Reshape from a Shape→Gather→Concat chain keeps the symbolic batch; -1 solves with symbols', () => {
  const s = infer({
    inputs: [valueInfo('x', FLOAT, ['batch', 3, 4, 5])],
    initializers: [int64Tensor('zero', [], [0]), int64Tensor('minus1', [1], [-1]), int64Tensor('s2', [2], [0, -1])],
    nodes: [
      node('Shape', ['x'], ['shp']),
      node('Gather', ['shp', 'zero'], ['b']),
      node('Unsqueeze', ['b', 'axes0'], ['b1']),
      node('Constant', [], ['axes0'], [attr.tensor('value', int64Tensor('', [1], [0]))]),
      node('Concat', ['b1', 'minus1'], ['target'], [attr.int('axis', 0)]),
      node('Reshape', ['x', 'target'], ['flat']),
      node('Reshape', ['x', 's2'], ['flat2']),
    ],
  });
  assert.deepEqual(shapeOf(s, 'shp'), [4]);
  assert.deepEqual(shapeOf(s, 'b'), []);
  assert.deepEqual(shapeOf(s, 'flat2'), ['batch', 60]);
  // 'axes0' is produced after its consumer (not topologically sorted): Unsqueeze cannot know it.
  assert.equal(shapeOf(s, 'flat'), undefined);
});

test('Squeeze/Unsqueeze/reductions: axes as attribute (old opsets) and as input (new)', () => {
  const old = infer({
    opset: 11,
    inputs: [valueInfo('x', FLOAT, [1, 'n', 1, 4])],
    nodes: [
      node('Squeeze', ['x'], ['sq'], [attr.ints('axes', [0, 2])]),
      node('Unsqueeze', ['sq'], ['us'], [attr.ints('axes', [0, -1])]),
      node('ReduceMean', ['x'], ['rm'], [attr.ints('axes', [3]), attr.int('keepdims', 0)]),
    ],
  });
  assert.deepEqual(shapeOf(old, 'sq'), ['n', 4]);
  assert.deepEqual(shapeOf(old, 'us'), [1, 'n', 4, 1]);
  assert.deepEqual(shapeOf(old, 'rm'), [1, 'n', 1]);
  const modern = infer({
    opset: 18,
    inputs: [valueInfo('x', FLOAT, [1, 'n', 1, 4])],
    initializers: [int64Tensor('ax', [2], [0, 2]), int64Tensor('ax3', [1], [-1])],
    nodes: [
      node('Squeeze', ['x', 'ax'], ['sq']),
      node('ReduceSum', ['x', 'ax3'], ['rs']),
      node('ReduceMax', ['x'], ['all'], [attr.int('keepdims', 0)]),
      node('ReduceSum', ['x', 'unknownAxes'], ['ru']),
    ],
  });
  assert.deepEqual(shapeOf(modern, 'sq'), ['n', 4]);
  assert.deepEqual(shapeOf(modern, 'rs'), [1, 'n', 1, 1]);
  assert.deepEqual(shapeOf(modern, 'all'), []);
  assert.deepEqual(shapeOf(modern, 'ru'), [null, null, null, null], 'rank kept, dims unknown');
});

test('Slice, Split, Concat, Transpose, Expand, Pad, Where, Cast types', () => {
  const s = infer({
    opset: 18,
    inputs: [valueInfo('x', FLOAT, ['b', 10, 6]), valueInfo('c', 9, [10, 1])],
    initializers: [int64Tensor('st', [2], [2, 0]), int64Tensor('en', [2], [-1, 100]), int64Tensor('ax', [2], [1, 2]),
      int64Tensor('stp', [2], [2, 1]), int64Tensor('sp', [2], [4, 6]), int64Tensor('shape', [3], [2, 10, 6]),
      int64Tensor('pads', [6], [0, 1, 2, 0, 1, 2])],
    nodes: [
      node('Slice', ['x', 'st', 'en', 'ax', 'stp'], ['sl']),
      node('Split', ['x', 'sp'], ['s1', 's2'], [attr.int('axis', 1)]),
      node('Split', ['x'], ['h1', 'h2', 'h3'], [attr.int('axis', 2), attr.int('num_outputs', 3)]),
      node('Concat', ['s1', 's2'], ['cc'], [attr.int('axis', 1)]),
      node('Transpose', ['x'], ['tr'], [attr.ints('perm', [2, 0, 1])]),
      node('Expand', ['c', 'shape'], ['ex']),
      node('Pad', ['x', 'pads'], ['pd']),
      node('Where', ['c', 'x', 'x'], ['wh']),
      node('Cast', ['x'], ['i'], [attr.int('to', INT64)]),
      node('Equal', ['x', 'x'], ['eq']),
      node('Dropout', ['x'], ['dr', 'mask']),
    ],
  });
  assert.deepEqual(shapeOf(s, 'sl'), ['b', 4, 6]);
  assert.deepEqual([shapeOf(s, 's1'), shapeOf(s, 's2')], [['b', 4, 6], ['b', 6, 6]]);
  assert.deepEqual(shapeOf(s, 'h3'), ['b', 10, 2]);
  assert.deepEqual(shapeOf(s, 'cc'), ['b', 10, 6]);
  assert.deepEqual(shapeOf(s, 'tr'), [6, 'b', 10]);
  assert.deepEqual(shapeOf(s, 'ex'), [2, 10, 6]);
  assert.deepEqual(shapeOf(s, 'pd'), ['b', 12, 10]);
  assert.deepEqual(s.get('wh'), { name: 'wh', elemType: 'float32', shape: ['b', 10, 6] });
  assert.equal(s.get('i')?.elemType, 'int64');
  assert.equal(s.get('eq')?.elemType, 'bool');
  assert.equal(s.get('mask')?.elemType, 'bool');
});

test('declared value_info wins where it has numbers; inference fills the rest', () => {
  const s = infer({
    inputs: [valueInfo('x', FLOAT, ['b', 4])],
    valueInfo: [valueInfo('r', FLOAT, [null, 4]), valueInfo('q', FLOAT, [8, 4])],
    nodes: [node('Relu', ['x'], ['r']), node('Relu', ['r'], ['q'])],
  }, true);
  assert.deepEqual(shapeOf(s, 'r'), ['b', 4]);
  assert.deepEqual(shapeOf(s, 'q'), [8, 4]);
});

test('unknown ops and odd models leave shapes unknown instead of throwing', () => {
  const s = infer({
    inputs: [valueInfo('x', FLOAT, [2, 3]), valueInfo('noshape', FLOAT)],
    nodes: [
      node('Mystery', ['x'], ['m'], [], { domain: 'custom' }),
      node('Relu', ['m'], ['r']),
      node('Conv', ['x', 'missing'], ['c'], [attr.ints('pads', [])]),
      node('Transpose', ['x'], ['t'], [attr.ints('perm', [5, 9])]),
      node('Reshape', ['noshape', 'nothing'], ['rs']),
      node('Gemm', [], ['g']),
      node('Concat', [], ['cc'], [attr.int('axis', 7)]),
      node('Relu', ['noshape'], ['rn']),
    ],
  });
  assert.equal(s.get('m'), undefined);
  assert.equal(s.get('r')?.shape, undefined);
  assert.deepEqual(shapeOf(s, 't'), [null, null]);
  assert.equal(s.get('rn')?.shape, undefined);
  assert.equal(s.get('rn')?.elemType, 'float32');
});

test('subgraph values see the outer scope', async () => {
  const { inferShapes } = await import('../../../extension/onnx/shapeInference');
  const m = readModel(modelBytes({
    inputs: [valueInfo('c', 9, []), valueInfo('x', FLOAT, ['b', 3])],
    outputs: [valueInfo('y', FLOAT)],
    nodes: [node('If', ['c'], ['y'], [
      attr.graph('then_branch', { name: 't', node: [node('Relu', ['x'], ['t'])], output: [valueInfo('t', FLOAT, ['b', 3])] }),
      attr.graph('else_branch', { name: 'e', node: [node('Neg', ['x'], ['e'])], output: [valueInfo('e', FLOAT, ['b', 3])] }),
    ])],
  }));
  const outer = inferModelShapes(m);
  assert.deepEqual(outer.get('y')?.shape, ['b', 3]);
  const inner = inferShapes(m.graph.nodes[0].subgraphs[1].graph, { outer, useDeclared: false });
  assert.deepEqual(inner.get('e')?.shape, ['b', 3]);
  assert.equal(inner.has('x'), false, 'outer values are not reported as the subgraph\'s own');
});
