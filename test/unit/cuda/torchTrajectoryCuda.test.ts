// The PyTorch-trajectory fixtures (test/fixtures/torch) replayed with the engine on the CUDA
// backend: the same 1e-4 relative bar as training/torchTrajectory.test.ts on the CPU.
// Skips with the reason where CUDA is unavailable.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readModelFileSync } from '../../../extension/onnx/reader';
import { graphFromModel } from '../../../extension/engine/graph';
import { makeDataset } from '../../../extension/datasets/dataset';
import { readNpyFile } from '../../../extension/datasets/npy';
import { Trainer } from '../../../extension/training/trainer';
import type { OptimizerConfig } from '../../../extension/training/optimizers';
import { cudaStatus } from '../../../extension/engine/cuda/status';

const dir = process.env.NEURAL_LENS_TORCH_FIXTURES ?? path.resolve(__dirname, '../../fixtures/torch');
const file = path.join(dir, 'trajectories.json');
const status = cudaStatus();

interface Fixture {
  steps: number; batch: number;
  optimizers: Record<string, OptimizerConfig>;
  models: Record<string, { onnx: string; input: { x: string; y: string }; runs: Record<string, { losses: number[]; lossAfter: number; final: Record<string, { sqSum: number }> }> }>;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

if (!status.available || !fs.existsSync(file)) {
  test('PyTorch trajectories on CUDA', { skip: status.available ? 'test/fixtures/torch is missing' : status.reason }, () => {});
} else {
  const fx = JSON.parse(fs.readFileSync(file, 'utf8')) as Fixture;
  for (const [modelName, m] of Object.entries(fx.models)) {
    for (const [runName, r] of Object.entries(m.runs)) {
      test(`PyTorch trajectory on CUDA: ${modelName} / ${runName}`, async () => {
        const { cudaBackend } = await import('../../../extension/engine/cuda/backend');
        const graph = graphFromModel(readModelFileSync(path.join(dir, m.onnx)));
        const data = makeDataset(readNpyFile(path.join(dir, m.input.x)), readNpyFile(path.join(dir, m.input.y)), modelName);
        const tr = new Trainer(graph, cudaBackend(), data, {
          loss: 'cross-entropy', optimizer: fx.optimizers[runName], batchSize: fx.batch, steps: fx.steps, shuffle: false,
        });
        const losses: number[] = [];
        for (let i = 0; i < fx.steps; i++) losses.push((await tr.trainStep()).loss);
        losses.forEach((l, i) => assert.ok(rel(l, r.losses[i]) < 1e-4, `step ${i}: engine-cuda ${l}, PyTorch ${r.losses[i]}`));
        const after = tr.evaluate(data).loss;
        assert.ok(rel(after, r.lossAfter) < 1e-4, `after: engine-cuda ${after}, PyTorch ${r.lossAfter}`);
        const values = tr.trainedValues();
        for (const [name, s] of Object.entries(r.final)) {
          const t = values.get(name);
          assert.ok(t, `no parameter ${name}`);
          let sq = 0;
          for (let i = 0; i < t.size; i++) sq += t.data[i] * t.data[i];
          assert.ok(rel(sq, s.sqSum) < 1e-4, `${name} sqSum: engine-cuda ${sq}, PyTorch ${s.sqSum}`);
        }
      });
    }
  }
}
