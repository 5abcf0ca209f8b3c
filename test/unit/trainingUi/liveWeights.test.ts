// Heatmaps opened while a model trains show the trained values: the viewer's heatmap data is
// built from the live reader's values instead of the file's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readModelFileSync } from '../../../extension/onnx/reader';
import { findTensor, heatmapData } from '../../../extension/graph/tensorViews';
import { liveWeight, setLiveWeights, withValues } from '../../../extension/trainingUi/liveWeights';

const MLP = path.resolve(__dirname, '../../../media/samples/mnist-mlp.onnx');

test('a registered live reader replaces the file values in heatmaps, until it is removed', async () => {
  const model = readModelFileSync(MLP);
  const ref = findTensor(model, 'main', 'fc3.bias')!;
  const trained = Float32Array.from({ length: 10 }, (_, i) => i);
  setLiveWeights(MLP, async (names) => Object.fromEntries(names.map((n) => [n, trained])));
  const live = await liveWeight(MLP, 'fc3.bias');
  assert.ok(live);
  const h = heatmapData('main', withValues(ref, live), 65536);
  assert.deepEqual(Array.from(h.values), Array.from(trained));
  assert.equal(h.stats.max, 9);
  assert.deepEqual(h.dims, [10]);
  setLiveWeights(MLP, undefined);
  assert.equal(await liveWeight(MLP, 'fc3.bias'), undefined);
  assert.notDeepEqual(Array.from(heatmapData('main', ref, 65536).values), Array.from(trained));
});
