// weightStats / heatmapData / findTensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxTensor } from '../../../extension/onnx/tensor';
import { readModel } from '../../../extension/onnx/reader';
import { blockMean, chooseBlocks, findTensor, heatmapData, weightStats } from '../../../extension/graph/tensorViews';
import { FLOAT, attr, floatTensor, modelBytes, node, valueInfo } from '../onnx/helpers';

const t = (dims: number[], values: ArrayLike<number>) => new OnnxTensor(floatTensor('w', dims, values));

test('weightStats: min/max/mean/std over finite values, zeros/NaN/Inf counted', () => {
  const s = weightStats(t([6], [1, 2, 3, 0, NaN, Infinity]));
  assert.equal(s.min, 0);
  assert.equal(s.max, 3);
  assert.equal(s.mean, 1.5);
  assert.ok(Math.abs(s.std - Math.sqrt(1.25)) < 1e-12);
  assert.deepEqual([s.zeros, s.nanCount, s.infCount], [1, 1, 1]);
  // Large offset: the shifted accumulators keep std accurate.
  const big = weightStats(new OnnxTensor({ name: 'd', dataType: 11, dims: [3], doubleData: [1e9 + 1, 1e9 + 2, 1e9 + 3] }));
  assert.ok(Math.abs(big.std - Math.sqrt(2 / 3)) < 1e-6);
  const none = weightStats(t([1], [NaN]));
  assert.ok(Number.isNaN(none.mean));
  // Integer tensors are converted.
  const ints = weightStats(new OnnxTensor({ name: 'i', dataType: 7, dims: [3], int64Data: [-1, 0, 4] }));
  assert.deepEqual([ints.min, ints.max, ints.zeros], [-1, 4, 1]);
});

test('heatmap: 2-D matrix, whole when small', () => {
  const h = heatmapData('main', t([3, 4], Array.from({ length: 12 }, (_, i) => i)), 100);
  assert.equal(h.layout, 'matrix');
  assert.deepEqual([h.rows, h.cols, h.blockRows, h.blockCols, h.aggregation], [3, 4, 1, 1, 'none']);
  assert.equal(h.values.length, 12);
  assert.equal(h.histogram.counts.length, 64);
  assert.equal(h.histogram.counts.reduce((a, b) => a + b, 0), 12);
  assert.deepEqual(h.dims, [3, 4]);
  assert.equal(h.graphId, 'main');
  assert.equal(h.tensor, 'w');
});

test('heatmap: 2-D downsampled by block mean when over maxCells', () => {
  const h = heatmapData('main', t([64, 64], Array.from({ length: 4096 }, (_, i) => i % 64)), 256);
  assert.deepEqual([h.rows, h.cols, h.blockRows, h.blockCols], [16, 16, 4, 4]);
  assert.equal(h.aggregation, 'mean of 4×4 blocks');
  assert.equal(h.values.length, 256);
  assert.equal(h.values[0], 1.5); // mean of columns 0..3
  assert.equal(h.values[15], 61.5);
  assert.deepEqual(Array.from(blockMean([1, 2, 3, 4, 5, 6], 2, 3, 2, 2)), [3, 4.5]);
  for (const [r, c, m] of [[1000, 3, 100], [7, 100000, 1000], [513, 1025, 65536]]) {
    const [br, bc] = chooseBlocks(r, c, m);
    assert.ok(Math.ceil(r / br) * Math.ceil(c / bc) <= m, `${r}x${c} in ${m}`);
  }
});

test('heatmap: 4-D conv weights as kernels when they fit, else [O, I·kh·kw]', () => {
  const w = t([8, 3, 3, 3], Array.from({ length: 216 }, (_, i) => i));
  const k = heatmapData('main', w, 1000);
  assert.equal(k.layout, 'kernels');
  assert.deepEqual(k.kernel, { outC: 8, inC: 3, kh: 3, kw: 3 });
  assert.equal(k.values.length, 216);
  const m = heatmapData('main', w, 100);
  assert.equal(m.layout, 'matrix');
  assert.ok(m.rows * m.cols <= 100);
  assert.equal(m.blockRows * m.rows >= 8 && m.blockCols * m.cols >= 27, true);
});

test('heatmap: 1-D and scalars as bars (downsampled), 3-D as [dim0, rest], float16 converted', () => {
  const b = heatmapData('main', t([1000], Array.from({ length: 1000 }, (_, i) => i)), 100);
  assert.deepEqual([b.layout, b.rows, b.cols, b.blockRows, b.blockCols], ['bars', 1, 100, 1, 10]);
  assert.equal(b.values[0], 4.5);
  const s = heatmapData('main', t([], [7]), 100);
  assert.deepEqual([s.layout, s.rows, s.cols], ['bars', 1, 1]);
  const three = heatmapData('main', t([2, 3, 4], new Float32Array(24)), 1000);
  assert.deepEqual([three.layout, three.rows, three.cols], ['matrix', 2, 12]);
  const h = heatmapData('main', new OnnxTensor({ name: 'h', dataType: 10, dims: [2], int32Data: [0x3c00, 0x4000] }), 10);
  assert.deepEqual(Array.from(h.values), [1, 2]);
});

test('findTensor resolves top-level, subgraph (with outer scope), Constant values and functions', () => {
  const m = readModel(modelBytes({
    inputs: [valueInfo('c', 9, []), valueInfo('x', FLOAT, [2])],
    outputs: [valueInfo('y', FLOAT, [2])],
    initializers: [floatTensor('W', [2], [1, 2])],
    nodes: [node('If', ['c'], ['y'], [
      attr.graph('then_branch', {
        name: 't', initializer: [floatTensor('inner', [1], [9])],
        node: [node('Constant', [], ['k'], [attr.tensor('value', floatTensor('', [2], [5, 6]))]), node('Add', ['x', 'W'], ['t'])],
        output: [valueInfo('t', FLOAT, [2])],
      }),
      attr.graph('else_branch', { name: 'e', node: [node('Identity', ['x'], ['e'])], output: [valueInfo('e', FLOAT, [2])] }),
    ])],
    functions: [{ name: 'F', domain: 'd', input: ['a'], output: ['b'], node: [node('Constant', [], ['b'], [attr.tensor('value', floatTensor('', [1], [3]))])] }],
  }));
  assert.equal(findTensor(m, 'main', 'W')?.elementCount, 2);
  assert.equal(findTensor(m, 'main', 'inner'), undefined);
  assert.deepEqual(Array.from(findTensor(m, 'n0/then_branch', 'inner')!.toFloat32()), [9]);
  assert.deepEqual(Array.from(findTensor(m, 'n0/then_branch', 'W')!.toFloat32()), [1, 2]);
  const k = findTensor(m, 'n0/then_branch', 'k')!;
  assert.equal(k.name, 'k');
  assert.deepEqual(Array.from(k.toFloat32()), [5, 6]);
  assert.deepEqual(Array.from(findTensor(m, 'fn:d:F', 'b')!.toFloat32()), [3]);
  assert.equal(findTensor(m, 'n7/body', 'W'), undefined);
  assert.equal(findTensor(m, 'nonsense', 'W'), undefined);
});
