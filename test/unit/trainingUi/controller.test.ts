// The training controller end to end with its worker thread: a short run on the bundled MLP,
// throttled typed-array messages, pause / resume / stop, checkpoint at stop and resume from it,
// saving (never over the opened model), metrics files, and the errors a user meets.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TrainingController } from '../../../extension/trainingUi/controller';
import { defaultTrainFile, jobFromFile, type NlTrainFile } from '../../../extension/trainingUi/config';
import type { FromTrainWorker, TrainJob } from '../../../shared/protocolTraining';
import { writeNpy } from '../../../extension/cli/tensorIO';
import { readModelFileSync } from '../../../extension/onnx/reader';
import { workerFile } from './workerBundle';
import { encodePng } from '../../../extension/inference/imageInput';

const MLP = path.resolve(__dirname, '../../../media/samples/mnist-mlp.onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-ctl-'));

function modelCopy(name: string): string {
  const f = path.join(tmp, name);
  fs.copyFileSync(MLP, f);
  return f;
}

function job(model: string, over: Partial<NlTrainFile> = {}, extra: Partial<TrainJob> = {}): TrainJob {
  return jobFromFile(model, { ...defaultTrainFile(), ...over }, extra);
}

function collect(c: TrainingController): FromTrainWorker[] {
  const got: FromTrainWorker[] = [];
  c.onMessage((m) => got.push(m));
  return got;
}

const until = (c: TrainingController, pred: (m: FromTrainWorker) => boolean): Promise<FromTrainWorker> =>
  new Promise((resolve) => { const d = c.onMessage((m) => { if (pred(m)) { d.dispose(); resolve(m); } }); });

test('a run reports ready, throttled metrics as typed arrays, histograms, epoch, summary and files', async () => {
  const model = modelCopy('run.onnx');
  const c = new TrainingController(job(model, { epochs: 1 }, { steps: 60, histogramEverySec: 0.2 }), workerFile());
  const got = collect(c);
  const t0 = Date.now();
  assert.equal(await c.ended, 'finished');
  const secs = (Date.now() - t0) / 1000;
  const ready = got.find((m) => m.type === 'ready');
  assert.ok(ready && ready.type === 'ready');
  assert.deepEqual(ready.ready.layers.map((l) => l.nodeId), ['n0', 'n2', 'n4']);
  assert.equal(ready.ready.totalSteps, 60);
  const metrics = got.filter((m): m is Extract<FromTrainWorker, { type: 'metrics' }> => m.type === 'metrics');
  const steps = metrics.flatMap((m) => Array.from(m.batch.step));
  assert.deepEqual(steps, Array.from({ length: 60 }, (_, i) => i));
  assert.ok(metrics[0].batch.loss instanceof Float32Array && metrics[0].batch.layerGradNorms instanceof Float32Array);
  assert.equal(metrics[0].batch.layerGradNorms.length, 3);
  // at most ~10 messages a second of metrics
  assert.ok(metrics.length <= Math.max(2, secs * 10 + 2), `${metrics.length} metrics messages in ${secs}s`);
  const hist = got.find((m) => m.type === 'histograms');
  assert.ok(hist && hist.type === 'histograms');
  assert.equal(hist.snapshot.weightCounts.length, 3 * hist.snapshot.bins);
  assert.ok(hist.snapshot.updateRatio.every((r) => r > 0 && r < 1));
  assert.ok(got.some((m) => m.type === 'weightsChanged'));
  const loss = c.history.loss;
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(mean(loss.slice(-10)) < mean(loss.slice(0, 10)), 'loss decreases');
  const done = c.summary!;
  assert.equal(done.steps, 60);
  assert.ok(done.confusion && done.confusion.classes === 10);
  assert.equal(done.confusion.counts.reduce((s, v) => s + v, 0), 1000);
  assert.ok(fs.existsSync(path.join(tmp, 'run.nltrain.ckpt')));
  const csv = fs.readFileSync(path.join(tmp, 'run.metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'step,epoch,loss,accuracy,lr,samples_per_sec,grad_norm,val_loss,val_accuracy');
  assert.equal(csv.length, 61);
  assert.equal(fs.readFileSync(path.join(tmp, 'run.metrics.jsonl'), 'utf8').trim().split('\n').length, 60);
  // saving: never onto the opened model; a new file holds the trained weights
  await assert.rejects(c.save(model), /Refusing to overwrite/);
  const out = path.join(tmp, 'run-trained.onnx');
  await c.save(out);
  const before = readModelFileSync(model).graph.initializers.get('fc1.bias')!.toFloat32();
  const after = readModelFileSync(out).graph.initializers.get('fc1.bias')!.toFloat32();
  assert.notDeepEqual(Array.from(after), Array.from(before));
  const w = await c.weights(['fc1.bias']);
  assert.deepEqual(Array.from(w['fc1.bias']), Array.from(after));
  await c.dispose();
});

test('pause holds the step, resume continues, stop checkpoints, resume from checkpoint continues the count', async () => {
  const model = modelCopy('pause.onnx');
  const c = new TrainingController(job(model, {}, { steps: 200, stepDelayMs: 5 }), workerFile());
  await until(c, (m) => m.type === 'metrics');
  c.pause();
  await until(c, (m) => m.type === 'state' && m.state === 'paused');
  const n = c.history.step.length;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(c.history.step.length, n, 'no steps while paused');
  c.resume();
  await until(c, (m) => m.type === 'metrics');
  assert.ok(c.history.step.length > n);
  assert.equal(await c.stop(), 'stopped');
  const stoppedAt = c.summary!.steps;
  assert.ok(c.summary!.stopped && stoppedAt < 200);
  const ck = c.log.filter((m) => m.type === 'checkpointed').at(-1);
  assert.ok(ck && ck.type === 'checkpointed' && ck.step === stoppedAt && !ck.error);
  await c.dispose();

  const r = new TrainingController(job(model, {}, { steps: 200, resumeFrom: path.join(tmp, 'pause.nltrain.ckpt') }), workerFile());
  assert.equal(await r.ended, 'finished');
  assert.equal(r.ready!.startStep, stoppedAt);
  // the steps before the stop come back from the metrics file, so the curves and files are whole
  assert.deepEqual(r.history.step, Array.from({ length: 200 }, (_, i) => i));
  assert.equal(r.summary!.steps, 200);
  assert.equal(fs.readFileSync(path.join(tmp, 'pause.metrics.csv'), 'utf8').trim().split('\n').length, 201);
  await r.dispose();
});

async function failure(j: TrainJob) {
  const c = new TrainingController(j, workerFile());
  assert.equal(await c.ended, 'failed');
  await c.dispose();
  return c.error!;
}

test('errors: labels out of range, input shape naming the dimension, loss vs output, dataset folder without images', async () => {
  const model = modelCopy('err.onnx');
  const x = new Float32Array(20 * 784), y = new BigInt64Array(20).map((_, i) => BigInt(i % 12));
  fs.writeFileSync(path.join(tmp, 'x.npy'), writeNpy({ dims: [20, 784], elemType: 'float32', data: x }));
  fs.writeFileSync(path.join(tmp, 'y12.npy'), writeNpy({ dims: [20], elemType: 'int64', data: y }));
  let e = await failure(job(model, { dataset: 'x.npy', labels: 'y12.npy' }));
  assert.equal(e.code, 'labelsOutOfRange');
  assert.match(e.message, /label 11 .* 10 classes/);

  fs.writeFileSync(path.join(tmp, 'x3.npy'), writeNpy({ dims: [20, 3, 28, 28], elemType: 'float32', data: new Float32Array(20 * 3 * 784) }));
  fs.writeFileSync(path.join(tmp, 'y.npy'), writeNpy({ dims: [20], elemType: 'int64', data: new BigInt64Array(20) }));
  e = await failure(job(model, { dataset: 'x3.npy', labels: 'y.npy' }));
  assert.equal(e.code, 'inputShape');
  assert.match(e.message, /input "input" takes \[N×784\]/);
  fs.writeFileSync(path.join(tmp, 'x700.npy'), writeNpy({ dims: [20, 700], elemType: 'float32', data: new Float32Array(20 * 700) }));
  e = await failure(job(model, { dataset: 'x700.npy', labels: 'y.npy' }));
  assert.match(e.message, /dimension 1 of input "input" is 784 in the model but 700 in the data/);

  e = await failure(job(model, { dataset: 'x.npy', labels: 'y.npy', loss: 'mse' }));
  assert.equal(e.code, 'lossOutput');
  assert.match(e.hint, /cross-entropy/);

  fs.mkdirSync(path.join(tmp, 'loose-images'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'loose-images', 'a.png'), encodePng({ width: 2, height: 2, data: new Uint8Array(16) }));
  e = await failure(job(model, { dataset: 'loose-images' }));
  assert.equal(e.code, 'noImages');
  assert.match(e.message, /no class subfolders/);
  fs.mkdirSync(path.join(tmp, 'empty-images', 'cats'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'empty-images', 'cats', 'notes.txt'), 'x');
  e = await failure(job(model, { dataset: 'empty-images' }));
  assert.equal(e.code, 'noImages');
  assert.match(e.message, /contains no images/);
});

test('an image folder (one subfolder per class) trains: decoded, resized to the input, labelled by folder', async () => {
  const model = modelCopy('img.onnx'), dir = path.join(tmp, 'digits');
  for (const [c, v] of [['zero', 0], ['one', 255]] as const) {
    fs.mkdirSync(path.join(dir, c), { recursive: true });
    for (let i = 0; i < 6; i++) {
      const data = new Uint8Array(32 * 32 * 4).fill(v);
      for (let p = 3; p < data.length; p += 4) data[p] = 255;
      fs.writeFileSync(path.join(dir, c, `${i}.png`), encodePng({ width: 32, height: 32, data }));
    }
  }
  const c = new TrainingController(job(model, { dataset: 'digits', validationSplit: 0, epochs: 3, batchSize: 4 }), workerFile());
  assert.equal(await c.ended, 'finished', JSON.stringify(c.error));
  assert.equal(c.ready!.trainSize, 12);
  assert.equal(c.ready!.numClasses, 2);
  assert.equal(c.summary!.steps, 9);
  await c.dispose();
});

test('NaN loss stops with the step and the layer and says to lower the learning rate; the checkpoint survives', async () => {
  const model = modelCopy('nan.onnx');
  const c = new TrainingController(job(model, { optimizer: 'sgd', learningRate: 1e9 }, { steps: 50 }), workerFile());
  assert.equal(await c.ended, 'failed');
  const e = c.error!;
  assert.equal(e.code, 'nanLoss');
  assert.ok(e.step !== undefined && e.step > 0);
  assert.match(e.message, new RegExp(`step ${e.step}`));
  assert.ok(e.layer);
  assert.match(e.hint, /Lower the learning rate/);
  assert.ok(readModelFileSync(model).graph.initializers.size > 0, 'original model intact');
  await c.dispose();
});
