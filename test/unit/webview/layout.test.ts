import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layeredLayout, type LayoutInput } from '../../../webview/graph/layout';

function input(n: number, edges: [number, number][], w = 80, h = 30): LayoutInput {
  return {
    n,
    widths: new Float64Array(n).fill(w),
    heights: new Float64Array(n).fill(h),
    edgeSrc: Int32Array.from(edges.map((e) => e[0])),
    edgeDst: Int32Array.from(edges.map((e) => e[1])),
  };
}

test('a chain is one straight column, top to bottom', () => {
  const r = layeredLayout(input(4, [[0, 1], [1, 2], [2, 3]]));
  for (let i = 1; i < 4; i++) {
    assert.ok(r.y[i] > r.y[i - 1]);
    assert.ok(Math.abs(r.x[i] - r.x[0]) < 1e-6);
  }
  assert.deepEqual([...r.rank], [0, 1, 2, 3]);
});

test('a skip connection gets its own lane and bend points; the main chain stays straight', () => {
  // 0 -> 1 -> 2 -> 3 -> 4 and the skip 0 -> 4
  const r = layeredLayout(input(5, [[0, 1], [1, 2], [2, 3], [3, 4], [0, 4]]));
  const skip = 4;
  const bends = r.routeStart[skip + 1] - r.routeStart[skip];
  assert.equal(bends, 3);
  for (let i = 1; i < 5; i++) assert.ok(Math.abs(r.x[i] - r.x[0]) < 8, `node ${i} drifted to ${r.x[i]} from ${r.x[0]}`);
  for (let j = r.routeStart[skip]; j < r.routeStart[skip + 1]; j++) {
    assert.ok(Math.abs(r.routeXY[2 * j] - r.x[1]) >= 40, 'the lane clears the boxes');
  }
});

test('boxes in a layer never overlap', () => {
  // one source fanning out to 6 branches that join again
  const edges: [number, number][] = [];
  for (let i = 1; i <= 6; i++) { edges.push([0, i], [i, 7]); }
  const r = layeredLayout(input(8, edges, 100));
  const xs = [1, 2, 3, 4, 5, 6].map((i) => r.x[i]).sort((a, b) => a - b);
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i] - xs[i - 1] >= 100, 'separated by at least a box width');
  assert.ok(r.width >= 600);
});

test('sources sit just above their consumer, not at the top', () => {
  // chain 0..4; node 5 (a constant) feeds node 4
  const r = layeredLayout(input(6, [[0, 1], [1, 2], [2, 3], [3, 4], [5, 4]]));
  assert.equal(r.rank[5], 3);
});

test('cycles and self loops do not hang or throw', () => {
  const r = layeredLayout(input(3, [[0, 1], [1, 2], [2, 0], [1, 1]]));
  assert.equal(r.x.length, 3);
  assert.ok([...r.y].every(Number.isFinite));
});

test('10k-node graph lays out quickly', () => {
  const n = 10000;
  const edges: [number, number][] = [];
  for (let i = 1; i < n; i++) edges.push([i - 1, i]);
  for (let i = 7; i < n; i += 7) edges.push([i - 7, i]);
  const r = layeredLayout(input(n, edges));
  assert.equal(r.x.length, n);
  assert.ok(r.ms < 3000, `took ${r.ms} ms`);
});
