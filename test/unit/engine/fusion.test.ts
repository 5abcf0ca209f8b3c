// Gemm→Relu and Conv→Relu fusion (Executor forward option `fuse`, used by training): the
// fused plan gives the same outputs and parameter gradients as the plain one, and leaves
// alone what it must not fuse (a pre-activation value used twice or returned by the graph).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { cpuBackend } from '../../../extension/engine/cpu/backend';
import { Executor, fuseActivations } from '../../../extension/engine/executor';
import type { EngineGraph } from '../../../extension/engine/graph';
import type { Tensor } from '../../../extension/engine/tensor';
import { graph, node, values } from './handGraph';

function compare(g: EngineGraph, x: Tensor, expectFused: number): void {
  const plain = new Executor(g, cpuBackend()), fused = new Executor(g, cpuBackend());
  const wrt = [...g.params];
  const ta = plain.forward({ x }, { training: true, wrt }), tb = fused.forward({ x }, { training: true, wrt, fuse: true });
  const out = g.outputs[0];
  const ya = ta.values.get(out)!, yb = tb.values.get(out)!;
  assert.deepEqual(Array.from(yb.data), Array.from(ya.data), 'outputs');
  const seed = values(ya.shape as number[], 99);
  const ga = plain.backward(ta, new Map([[out, seed]])), gb = fused.backward(tb, new Map([[out, seed]]));
  for (const p of wrt) {
    const a = ga.get(p)!, b = gb.get(p)!;
    for (let i = 0; i < a.size; i++) assert.ok(Math.abs(a.data[i] - b.data[i]) <= 1e-6 * (1 + Math.abs(a.data[i])), `gradient of ${p}[${i}]`);
  }
  assert.equal(tb.records.length, ta.records.length - expectFused, 'fused nodes');
}

describe('activation fusion', () => {
  test('MLP: Gemm→Relu→Gemm→Relu→Gemm', () => {
    const g = graph([
      node('fc1', 'Gemm', ['x', 'w1', 'b1'], ['h1'], { transB: 1 }), node('r1', 'Relu', ['h1'], ['a1']),
      node('fc2', 'Gemm', ['a1', 'w2', 'b2'], ['h2'], { transB: 1 }), node('r2', 'Relu', ['h2'], ['a2']),
      node('fc3', 'Gemm', ['a2', 'w3', 'b3'], ['y'], { transB: 1 }),
    ], { w1: values([16, 12], 1), b1: values([16], 2), w2: values([8, 16], 3), b2: values([8], 4), w3: values([3, 8], 5), b3: values([3], 6) }, ['y']);
    compare(g, values([5, 12], 7), 2);
  });

  test('CNN: Conv→Relu→MaxPool→Flatten→Gemm', () => {
    const g = graph([
      node('c1', 'Conv', ['x', 'k', 'kb'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('r', 'Relu', ['c'], ['a']),
      node('p', 'MaxPool', ['a'], ['m'], { kernel_shape: [2, 2], strides: [2, 2] }), node('f', 'Flatten', ['m'], ['v']),
      node('fc', 'Gemm', ['v', 'w', 'b'], ['y'], { transB: 1 }),
    ], { k: values([4, 2, 3, 3], 1), kb: values([4], 2), w: values([3, 4 * 3 * 3], 3), b: values([3], 4) }, ['y']);
    compare(g, values([3, 2, 6, 6], 5), 1);
  });

  test('not fused: a pre-activation value with two consumers, or that the graph returns', () => {
    const nodes = [
      node('fc1', 'Gemm', ['x', 'w1'], ['h1'], { transB: 1 }), node('r1', 'Relu', ['h1'], ['a1']),
      node('add', 'Add', ['a1', 'h1'], ['s']),
      node('fc2', 'Gemm', ['s', 'w2'], ['h2'], { transB: 1 }), node('r2', 'Relu', ['h2'], ['y']),
    ];
    assert.equal(fuseActivations(nodes, ['y']).length, 4); // only fc2+r2
    assert.equal(fuseActivations(nodes, ['y', 'h2']).length, 5);
    const g = graph(nodes, { w1: values([6, 4], 1), w2: values([5, 6], 2) }, ['y']);
    compare(g, values([3, 4], 3), 1);
  });
});
