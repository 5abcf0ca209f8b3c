// The Trainer end to end: exact checkpoint resume, NaN/Inf detection naming step and op,
// saving through the ONNX writer, and the bundled MLP learning mnist-sample.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { readModel, readModelFileSync } from '../../../extension/onnx/reader';
import { graphFromModel } from '../../../extension/engine/graph';
import { cpuBackend } from '../../../extension/engine/cpu/backend';
import { Executor, NonFiniteError } from '../../../extension/engine/executor';
import { Rng } from '../../../extension/engine/rng';
import { allocArray, Tensor } from '../../../extension/engine/tensor';
import { makeDataset, splitDataset } from '../../../extension/datasets/dataset';
import { loadMnistSample } from '../../../extension/datasets/mnistSample';
import { Trainer, type TrainerConfig } from '../../../extension/training/trainer';
import { decodeCheckpoint, encodeCheckpoint } from '../../../extension/training/checkpoint';
import { encodeTrainedModel } from '../../../extension/training/saveModel';
import { nanAtStepOne } from './nanRun';

const repo = path.resolve(__dirname, '../../..');
const MLP = path.join(repo, 'media/samples/mnist-mlp.onnx');
const CNN = path.join(repo, 'media/samples/mnist-cnn.onnx');

function synthetic(n: number, shape: number[], seed: number) {
  const rng = new Rng(seed), per = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * per);
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  const y = Tensor.from('int64', [n], Array.from({ length: n }, () => Math.floor(rng.next() * 10)));
  return makeDataset(new Tensor('float32', [n, ...shape], x), y, 'synthetic', 10);
}

const cfg: TrainerConfig = { loss: 'cross-entropy', optimizer: { name: 'adam', lr: 1e-3 }, batchSize: 16, steps: 6, seed: 3 };

for (const [label, file, shape] of [['MLP', MLP, [784]], ['CNN', CNN, [1, 28, 28]]] as const) {
  test(`checkpoint resume is bit-exact (${label})`, { skip: !fs.existsSync(file) }, async () => {
    const data = synthetic(40, shape as unknown as number[], 1);
    const a = new Trainer(graphFromModel(readModelFileSync(file)), cpuBackend(), data, cfg);
    const lossesA: number[] = [];
    for (let i = 0; i < 6; i++) lossesA.push((await a.trainStep()).loss);

    const b = new Trainer(graphFromModel(readModelFileSync(file)), cpuBackend(), data, cfg);
    for (let i = 0; i < 3; i++) await b.trainStep();
    const saved = encodeCheckpoint(b.getState());
    const c = new Trainer(graphFromModel(readModelFileSync(file)), cpuBackend(), data, cfg);
    c.setState(decodeCheckpoint(saved).state);
    const lossesC: number[] = [];
    for (let i = 0; i < 3; i++) lossesC.push((await c.trainStep()).loss);
    assert.deepEqual(lossesC, lossesA.slice(3));
    for (const [name, t] of a.trainedValues()) assert.deepEqual(c.trainedValues().get(name)!.data, t.data, name);
  });
}

test('in-order batches are views of the dataset, and its samples survive training (one batch = the whole dataset)', { skip: !fs.existsSync(MLP) }, async () => {
  for (const n of [16, 40]) {
    const data = synthetic(n, [784], 5);
    const before = Float32Array.from(data.x.data as Float32Array);
    const t = new Trainer(graphFromModel(readModelFileSync(MLP)), cpuBackend(), data, { ...cfg, shuffle: false, steps: 8 });
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) losses.push((await t.trainStep()).loss);
    assert.deepEqual(data.x.data, before, `dataset of ${n} samples changed by training`);
    // nothing of the dataset went to the recycle pool (it would be handed out and overwritten)
    for (let i = 0; i < 8; i++) assert.notEqual(allocArray('float32', n * 784).buffer, data.x.data.buffer, 'dataset storage was recycled');
    // the same run with copied batches (a streamed source) gives the same losses
    const copied = new Trainer(graphFromModel(readModelFileSync(MLP)), cpuBackend(),
      { ...data, rows: { count: n, rowShape: [784], readInto: (idx, out) => { for (let i = 0; i < idx.length; i++) out.set(before.subarray(idx[i] * 784, idx[i] * 784 + 784), i * 784); } } },
      { ...cfg, shuffle: false, steps: 8 });
    for (let i = 0; i < 8; i++) assert.equal((await copied.trainStep()).loss, losses[i], `step ${i}`);
  }
});

test('NaN/Inf detection names the step and the op', async () => {
  const t = nanAtStepOne(cpuBackend());
  await assert.rejects(t.run(), (e: unknown) => {
    assert.ok(e instanceof NonFiniteError);
    assert.equal(e.opType, 'Log');
    assert.equal(e.nodeName, 'the_log');
    assert.equal(e.step, 1);
    assert.match(e.message, /step 1: .*Log node "the_log"/);
    return true;
  });
});

test('saved model holds the trained weights and reproduces the forward', { skip: !fs.existsSync(MLP) }, async () => {
  const model = readModelFileSync(MLP);
  const data = synthetic(32, [784], 5);
  const t = new Trainer(graphFromModel(model), cpuBackend(), data, { ...cfg, steps: 2 });
  await t.run();
  const bytes = encodeTrainedModel(model, t.trainedValues());
  const reloaded = new Executor(graphFromModel(readModel(bytes)), cpuBackend());
  const x = data.x.reshape([32, 784]);
  const got = reloaded.run({ input: x }).get('logits')!;
  const want = t.executor.run({ input: x }).get('logits')!;
  assert.deepEqual(got.data, want.data);
});

test('mnist-mlp trains 1 epoch on mnist-sample to ≥ 90% validation accuracy', { skip: !fs.existsSync(MLP) }, async () => {
  const { train, val } = splitDataset(loadMnistSample(), 0.1, 0);
  const t0 = performance.now();
  const tr = new Trainer(graphFromModel(readModelFileSync(MLP)), cpuBackend(), train,
    { loss: 'cross-entropy', optimizer: { name: 'adam', lr: 2e-3 }, batchSize: 64, epochs: 1, seed: 1 }, val,
    (e) => { if (e.kind === 'epoch') epoch = e.metrics; });
  let epoch: { valAccuracy?: number } | undefined;
  await tr.run();
  const secs = (performance.now() - t0) / 1000;
  console.log(`mnist-mlp: 1 epoch (${train.size} samples) in ${secs.toFixed(2)} s, validation accuracy ${epoch?.valAccuracy}`);
  assert.ok((epoch?.valAccuracy ?? 0) >= 0.9, `accuracy ${epoch?.valAccuracy}`);
});

// The fused optimizer pass reports Σ g² and Σ p²: the metrics must keep their meaning —
// gradient norms of the raw (pre-clipping) gradients, weight norms after the update.
for (const clipNorm of [undefined, 0.05]) {
  for (const name of ['sgd', 'adam'] as const) {
    test(`step metrics: pre-clipping grad norms, post-update weight norms (${name}, clip ${clipNorm ?? 'off'})`, { skip: !fs.existsSync(MLP) }, async () => {
      const data = synthetic(48, [784], 2);
      const tr = new Trainer(graphFromModel(readModelFileSync(MLP)), cpuBackend(), data,
        { ...cfg, optimizer: { name, lr: 1e-2, momentum: name === 'sgd' ? 0.9 : undefined }, clipNorm });
      tr.captureGrads = true;
      const norm = (a: Float32Array) => { let s = 0; for (const v of a) s += v * v; return s; };
      const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
      for (let i = 0; i < 3; i++) {
        const m = await tr.trainStep();
        let total = 0;
        assert.deepEqual(Object.keys(m.gradNorms), [...tr.lastGrads!.keys()]);
        for (const [k, g] of tr.lastGrads!) { const s = norm(g); total += s; near(m.gradNorms[k], Math.sqrt(s), `grad ${k}`); }
        near(m.gradNorm, Math.sqrt(total), 'gradNorm');
        if (clipNorm !== undefined) assert.ok(m.gradNorm > clipNorm, 'the test must actually clip');
        const values = tr.trainedValues();
        assert.deepEqual(Object.keys(m.weightNorms), tr.params);
        for (const k of tr.params) near(m.weightNorms[k], Math.sqrt(norm(values.get(k)!.data as Float32Array)), `weight ${k}`);
      }
    });
  }
}
