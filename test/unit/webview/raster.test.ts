import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HeatmapData } from '../../../shared/protocol';
import { cellAt, geometry, maxAbs, rasterize } from '../../../webview/heatmap/raster';
import { divergingLut } from '../../../webview/colors';

const stats = { min: -1, max: 1, mean: 0, std: 0.5, zeros: 0, nanCount: 0, infCount: 0 };
const hist = { min: -1, max: 1, counts: [1, 2, 1] };
function hm(p: Partial<HeatmapData>): HeatmapData {
  return { graphId: 'main', tensor: 'w', dims: [2, 3], layout: 'matrix', rows: 2, cols: 3, blockRows: 1, blockCols: 1, aggregation: 'none', values: new Float32Array(6), stats, histogram: hist, ...p };
}

test('matrix cells map to their original index', () => {
  const d = hm({ values: Float32Array.from([0, 1, 2, 3, 4, 5]) });
  assert.deepEqual(geometry(d), { width: 3, height: 2, stepX: 1, stepY: 1, gap: 0, tileCols: 1 });
  const c = cellAt(d, 2, 1)!;
  assert.equal(c.value, 5);
  assert.equal(c.where, '[1, 2]');
  assert.equal(cellAt(d, 3, 0), null);
});

test('a flattened 3-D tensor reports all its indices', () => {
  const d = hm({ dims: [2, 2, 3], rows: 2, cols: 6, values: new Float32Array(12) });
  assert.equal(cellAt(d, 4, 1)!.where, '[1, 1, 1]');
});

test('downsampled matrix names the averaged block', () => {
  const d = hm({ dims: [10, 7], rows: 3, cols: 2, blockRows: 4, blockCols: 4, aggregation: 'mean of 4×4 blocks', values: new Float32Array(6) });
  assert.equal(cellAt(d, 0, 0)!.where, 'mean of block rows 0–3, cols 0–3');
  assert.equal(cellAt(d, 1, 2)!.where, 'mean of block rows 8–9, cols 4–6');
});

test('kernels tile outC × inC with one-pixel gaps', () => {
  const values = new Float32Array(2 * 3 * 2 * 2).map((_, i) => i);
  const d = hm({ layout: 'kernels', dims: [2, 3, 2, 2], rows: 2, cols: 3, values, kernel: { outC: 2, inC: 3, kh: 2, kw: 2 } });
  const g = geometry(d);
  assert.equal(g.width, 3 * 3 - 1);
  assert.equal(g.height, 2 * 3 - 1);
  assert.equal(cellAt(d, 2, 0), null, 'gap column');
  const c = cellAt(d, 4, 4)!; // inC 1, kx 1; outC 1, ky 1
  assert.equal(c.where, '[1, 1, 1, 1]');
  assert.equal(c.value, ((1 * 3 + 1) * 2 + 1) * 2 + 1);
});

test('single-input-channel kernels wrap into a near-square grid, and hover maps back', () => {
  // 8 kernels of 3×3 with inC 1 (a first conv layer): 3 tiles per row, 3 rows, the last one short.
  const values = new Float32Array(8 * 9).map((_, i) => i);
  const d = hm({ layout: 'kernels', dims: [8, 1, 3, 3], rows: 8, cols: 1, values, kernel: { outC: 8, inC: 1, kh: 3, kw: 3 } });
  const g = geometry(d);
  assert.equal(g.width, 3 * 4 - 1);
  assert.equal(g.height, 3 * 4 - 1);
  const c = cellAt(d, 4 + 2, 4 * 1 + 1)!; // tile column 1, row 1 → kernel 4; kx 2, ky 1
  assert.equal(c.where, '[4, 0, 1, 2]');
  assert.equal(c.value, 4 * 9 + 1 * 3 + 2);
  assert.equal(cellAt(d, 4 * 2 + 1, 4 * 2 + 1), null, 'no kernel 8 in the last row');
  const lut = divergingLut({ r: 0, g: 0, b: 255, a: 1 }, { r: 255, g: 255, b: 255, a: 1 }, { r: 255, g: 0, b: 0, a: 1 });
  const { pixels } = rasterize(d, lut, 71, [9, 9, 9], [1, 2, 3]);
  const at = (x: number, y: number) => [...pixels.slice((y * g.width + x) * 4, (y * g.width + x) * 4 + 3)];
  assert.deepEqual(at(4 * 2 + 1, 4 * 2 + 1), [9, 9, 9], 'the empty tile is gap-coloured');
  assert.notDeepEqual(at(4 + 2, 4 + 1), [9, 9, 9], 'kernel 4 is painted where hover finds it');
});

test('bars: index and downsampled ranges', () => {
  const d = hm({ layout: 'bars', dims: [10], rows: 1, cols: 10, values: new Float32Array(10) });
  assert.equal(cellAt(d, 7, 0)!.where, '[7]');
  const d2 = hm({ layout: 'bars', dims: [10], rows: 1, cols: 3, blockCols: 4, values: new Float32Array(3) });
  assert.equal(cellAt(d2, 2, 0)!.where, 'mean of elements 8–9');
});

test('rasterize paints 0 with the scale centre and ±max with its ends', () => {
  const lut = divergingLut({ r: 0, g: 0, b: 255, a: 1 }, { r: 255, g: 255, b: 255, a: 1 }, { r: 255, g: 0, b: 0, a: 1 });
  const d = hm({ values: Float32Array.from([-2, 0, 2, 1, NaN, -1]) });
  assert.equal(maxAbs(d.values), 2);
  const { pixels } = rasterize(d, lut, 2, [9, 9, 9], [1, 2, 3]);
  const px = (i: number) => [...pixels.slice(i * 4, i * 4 + 3)];
  assert.deepEqual(px(0), [0, 0, 255]);
  assert.deepEqual(px(1), [255, 255, 255]);
  assert.deepEqual(px(2), [255, 0, 0]);
  assert.deepEqual(px(4), [1, 2, 3], 'NaN colour');
});
