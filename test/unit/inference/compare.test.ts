// Per-layer comparison of two backends' tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allCloseFailure, compareActivationMaps, compareTensors } from '../../../extension/inference/compare';
import type { HostTensor } from '../../../extension/inference/types';

const f = (dims: number[], v: number[]): HostTensor => ({ dims, elemType: 'float32', data: new Float32Array(v) });

test('compareTensors: max abs / rel difference, NaN and shape handling', () => {
  const d = compareTensors(f([4], [1, 2, -4, NaN]), f([4], [1, 2.5, -4.2, NaN]), 'x');
  assert.equal(d.maxAbsDiff, 0.5);
  assert.equal(d.worstIndex, 1);
  assert.ok(Math.abs(d.maxRelDiff - 0.2) < 1e-6);
  assert.equal(d.nanMismatches, 0);
  assert.equal(compareTensors(f([2], [NaN, 1]), f([2], [0, 1])).nanMismatches, 1);
  const s = compareTensors(f([2], [1, 2]), f([1, 2], [1, 2]));
  assert.match(s.mismatch!, /shape \[2\] vs \[1, 2\]/);
  assert.equal(compareTensors(f([2], [0, 0]), f([2], [0, 0])).maxRelDiff, 0);
  const i = compareTensors({ dims: [2], elemType: 'int64', data: new BigInt64Array([5n, 7n]) }, { dims: [2], elemType: 'int64', data: new BigInt64Array([5n, 9n]) });
  assert.equal(i.maxAbsDiff, 2);
});

test('compareActivationMaps: per layer, first divergent layer, names on one side only', () => {
  const a = { conv: f([2], [1, 2]), relu: f([2], [1, 2]), fc: f([1], [3]), extra: f([1], [0]) };
  const b = { conv: f([2], [1, 2]), relu: f([2], [1, 2.1]), fc: f([1], [3.5]) };
  const r = compareActivationMaps(a, b, { nodeOf: { relu: 'Relu_1' } });
  assert.deepEqual(r.layers.map((l) => l.name), ['conv', 'relu', 'fc']);
  assert.equal(r.firstDivergent?.name, 'relu');
  assert.equal(r.firstDivergent?.nodeName, 'Relu_1');
  assert.deepEqual(r.onlyInA, ['extra']);
  assert.deepEqual(r.onlyInB, []);
});

test('allCloseFailure follows numpy assert_allclose', () => {
  assert.equal(allCloseFailure(f([2], [1.0009, NaN]), f([2], [1, NaN])), undefined);
  assert.match(allCloseFailure(f([2], [1.002, 0]), f([2], [1, 0]))!, /1 of 2 values differ/);
  assert.match(allCloseFailure(f([2], [1, 0]), f([1, 2], [1, 0]))!, /shape/);
});
