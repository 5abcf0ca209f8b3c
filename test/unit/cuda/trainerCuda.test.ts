// The Trainer on the CUDA backend, where the update, the norms, clipping and the NaN/Inf
// checks run on the GPU: the same losses, norms, gradients and weights as the Trainer on the
// CPU backend (1e-4 relative), checkpoint resume equal to an uninterrupted run, and NaN
// detection naming the step and the op. Skips with the reason where CUDA is unavailable.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readModelFileSync } from '../../../extension/onnx/reader';
import { graphFromModel } from '../../../extension/engine/graph';
import { cpuBackend } from '../../../extension/engine/cpu/backend';
import { NonFiniteError } from '../../../extension/engine/executor';
import { makeDataset } from '../../../extension/datasets/dataset';
import { readNpyFile } from '../../../extension/datasets/npy';
import { Trainer, type TrainerConfig } from '../../../extension/training/trainer';
import { decodeCheckpoint, encodeCheckpoint } from '../../../extension/training/checkpoint';
import { cudaStatus } from '../../../extension/engine/cuda/status';
import { nanAtStepOne } from '../training/nanRun';

const dir = process.env.NEURAL_LENS_TORCH_FIXTURES ?? path.resolve(__dirname, '../../fixtures/torch');
const status = cudaStatus();
const skip = !status.available ? status.reason : !fs.existsSync(path.join(dir, 'mlp.onnx')) ? 'test/fixtures/torch is missing' : false;

const data = () => makeDataset(readNpyFile(path.join(dir, 'mlp_x.npy')), readNpyFile(path.join(dir, 'mlp_y.npy')), 'mlp');
const model = () => graphFromModel(readModelFileSync(path.join(dir, 'mlp.onnx')));
const cuda = async () => (await import('../../../extension/engine/cuda/backend')).cudaBackend();

function close(what: string, got: number, want: number, rtol = 1e-4): void {
  assert.ok(Math.abs(got - want) <= rtol * Math.max(Math.abs(want), 1e-6), `${what}: cuda ${got}, cpu ${want}`);
}

for (const [label, cfg] of [
  ['sgd + momentum, clipped', { loss: 'cross-entropy', optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }, batchSize: 16, steps: 6, clipNorm: 0.5, shuffle: false }],
  ['adamw', { loss: 'cross-entropy', optimizer: { name: 'adamw', lr: 1e-2 }, batchSize: 16, steps: 6, shuffle: false }],
] as [string, TrainerConfig][]) {
  test(`Trainer on CUDA = Trainer on CPU: ${label} (losses, norms, captured gradients, weights)`, { skip }, async () => {
    const a = new Trainer(model(), cpuBackend(), data(), cfg), b = new Trainer(model(), await cuda(), data(), cfg);
    a.captureGrads = b.captureGrads = true;
    for (let s = 0; s < cfg.steps!; s++) {
      const ma = await a.trainStep(), mb = await b.trainStep();
      close(`step ${s} loss`, mb.loss, ma.loss);
      close(`step ${s} gradNorm`, mb.gradNorm, ma.gradNorm);
      for (const n of a.params) {
        close(`step ${s} gradNorm ${n}`, mb.gradNorms[n], ma.gradNorms[n]);
        close(`step ${s} weightNorm ${n}`, mb.weightNorms[n], ma.weightNorms[n]);
        const ga = a.lastGrads!.get(n)!, gb = b.lastGrads!.get(n)!, gmax = Math.max(...ga.map(Math.abs));
        for (let i = 0; i < ga.length; i++) assert.ok(Math.abs(gb[i] - ga[i]) <= 1e-4 * Math.max(Math.abs(ga[i]), 1e-2 * gmax), `step ${s} grad ${n}[${i}]: cuda ${gb[i]}, cpu ${ga[i]}`);
      }
    }
    const va = a.trainedValues(), vb = b.trainedValues();
    for (const [n, t] of va) {
      const want = t.data as Float32Array, got = vb.get(n)!.data as Float32Array, m = Math.max(...want.map(Math.abs));
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-4 * Math.max(Math.abs(want[i]), 1e-2 * m), `${n}[${i}]: cuda ${got[i]}, cpu ${want[i]}`);
    }
  });
}

test('Trainer on CUDA: checkpoint resume continues like an uninterrupted run', { skip }, async () => {
  const cfg: TrainerConfig = { loss: 'cross-entropy', optimizer: { name: 'adam', lr: 1e-2 }, batchSize: 8, steps: 6, seed: 3 };
  const a = new Trainer(model(), await cuda(), data(), cfg);
  const lossesA: number[] = [];
  for (let i = 0; i < 6; i++) lossesA.push((await a.trainStep()).loss);
  const b = new Trainer(model(), await cuda(), data(), cfg);
  for (let i = 0; i < 3; i++) await b.trainStep();
  const saved = encodeCheckpoint(b.getState());
  // resumed on the GPU, and on the CPU (checkpoints move between backends)
  for (const backend of [await cuda(), cpuBackend()]) {
    const c = new Trainer(model(), backend, data(), cfg);
    c.setState(decodeCheckpoint(saved).state);
    for (let i = 0; i < 3; i++) close(`${backend.name} resumed step ${3 + i}`, (await c.trainStep()).loss, lossesA[3 + i], backend.name === 'cuda' ? 1e-6 : 1e-4);
  }
});

test('Trainer on CUDA: NaN/Inf detection names the step and the op', { skip }, async () => {
  const t = nanAtStepOne(await cuda());
  await assert.rejects(t.run(), (e: unknown) => {
    assert.ok(e instanceof NonFiniteError, String(e));
    assert.equal(e.nodeName, 'the_log');
    assert.equal(e.step, 1);
    return true;
  });
});
