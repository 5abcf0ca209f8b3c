// The engine trains like PyTorch: replay test/fixtures/torch (MLP and LeNet-5 exported from
// PyTorch, 10 steps on one fixed batch per optimizer) and match the loss trajectory within
// 1e-4 relative, and the final weights' summaries.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readModelFileSync } from '../../../extension/onnx/reader';
import { graphFromModel } from '../../../extension/engine/graph';
import { cpuBackend } from '../../../extension/engine/cpu/backend';
import { makeDataset } from '../../../extension/datasets/dataset';
import { readNpyFile } from '../../../extension/datasets/npy';
import { Trainer } from '../../../extension/training/trainer';
import type { OptimizerConfig } from '../../../extension/training/optimizers';

const dir = path.resolve(__dirname, '../../fixtures/torch');
const file = path.join(dir, 'trajectories.json');

interface Summary { shape: number[]; sum: number; sqSum: number; first: number[] }
interface Fixture {
  steps: number; batch: number;
  optimizers: Record<string, OptimizerConfig>;
  models: Record<string, { onnx: string; input: { x: string; y: string }; runs: Record<string, { losses: number[]; lossAfter: number; final: Record<string, Summary> }> }>;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

if (!fs.existsSync(file)) {
  test('PyTorch trajectories', { skip: 'test/fixtures/torch is missing' }, () => {});
} else {
  const fx = JSON.parse(fs.readFileSync(file, 'utf8')) as Fixture;
  for (const [modelName, m] of Object.entries(fx.models)) {
    for (const [runName, r] of Object.entries(m.runs)) {
      test(`PyTorch trajectory: ${modelName} / ${runName}`, async () => {
        const graph = graphFromModel(readModelFileSync(path.join(dir, m.onnx)));
        const data = makeDataset(readNpyFile(path.join(dir, m.input.x)), readNpyFile(path.join(dir, m.input.y)), modelName);
        const tr = new Trainer(graph, cpuBackend(), data, {
          loss: 'cross-entropy', optimizer: fx.optimizers[runName], batchSize: fx.batch, steps: fx.steps, shuffle: false,
        });
        const losses: number[] = [];
        for (let i = 0; i < fx.steps; i++) losses.push((await tr.trainStep()).loss);
        losses.forEach((l, i) => assert.ok(rel(l, r.losses[i]) < 1e-4, `step ${i}: engine ${l}, PyTorch ${r.losses[i]}`));
        const after = tr.evaluate(data).loss;
        assert.ok(rel(after, r.lossAfter) < 1e-4, `after: engine ${after}, PyTorch ${r.lossAfter}`);
        const values = tr.trainedValues();
        for (const [name, s] of Object.entries(r.final)) {
          const t = values.get(name);
          assert.ok(t, `no parameter ${name}`);
          let sq = 0;
          for (let i = 0; i < t.size; i++) sq += t.data[i] * t.data[i];
          assert.ok(rel(sq, s.sqSum) < 1e-4, `${name} sqSum: engine ${sq}, PyTorch ${s.sqSum}`);
        }
      });
    }
  }
}
