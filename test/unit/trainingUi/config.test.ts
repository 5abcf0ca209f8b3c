// The `.nltrain.json` settings file, error messages and the small pure helpers of training.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultTrainFile, jobFromFile, readTrainFile, relativeDataset, sidecarPaths, validateTrainFile, writeTrainFile } from '../../../extension/trainingUi/config';
import { checkInputShape, checkLabels, toTrainError, TrainingError } from '../../../extension/trainingUi/errors';
import { histogramInto } from '../../../extension/trainingUi/histogram';
import { metricsCsv } from '../../../extension/trainingUi/metricsFiles';
import { NonFiniteError } from '../../../extension/engine/executor';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-cfg-'));

test('sidecar files sit beside the model', () => {
  assert.deepEqual(sidecarPaths('/m/net.onnx'), { config: '/m/net.nltrain.json', checkpoint: '/m/net.nltrain.ckpt', metricsBase: '/m/net.metrics' });
});

test('settings round-trip, relative dataset paths resolve against the model folder', () => {
  const model = path.join(tmp, 'net.onnx'), file = sidecarPaths(model).config;
  const cfg = { ...defaultTrainFile(), dataset: relativeDataset(model, path.join(tmp, 'data', 'd.npz')), epochs: 3, freeze: ['fc1'] };
  assert.equal(cfg.dataset, path.join('data', 'd.npz'));
  writeTrainFile(file, cfg);
  const back = readTrainFile(file)!;
  assert.equal(back.epochs, 3);
  assert.deepEqual(back.freeze, ['fc1']);
  assert.match(fs.readFileSync(file, 'utf8'), /"\$schema"/);
  const job = jobFromFile(model, back);
  assert.equal(job.data, path.join(tmp, 'data', 'd.npz'));
  assert.equal(job.checkpointPath, path.join(tmp, 'net.nltrain.ckpt'));
  assert.equal(jobFromFile(model, defaultTrainFile()).data, 'mnist-sample');
});

test('invalid settings name every problem', () => {
  const errs = validateTrainFile({ loss: 'hinge', batchSize: 0, learningRate: -1, schedule: { type: 'linear' }, freeze: 'fc1' });
  assert.equal(errs.length, 5, errs.join('\n'));
  fs.writeFileSync(path.join(tmp, 'bad.nltrain.json'), '{"epochs": 1.5}');
  assert.throws(() => readTrainFile(path.join(tmp, 'bad.nltrain.json')), /"epochs" must be an integer/);
  fs.writeFileSync(path.join(tmp, 'broken.nltrain.json'), '{');
  assert.throws(() => readTrainFile(path.join(tmp, 'broken.nltrain.json')), /not valid JSON/);
});

test('the schema file covers every key the defaults write', () => {
  const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../media/schemas/nltrain.schema.json'), 'utf8'));
  for (const k of Object.keys(defaultTrainFile())) assert.ok(schema.properties[k], k);
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8'));
  assert.ok(pkg.contributes.jsonValidation.some((j: { fileMatch: string }) => j.fileMatch === '*.nltrain.json'));
});

test('error messages: shapes name the dimension, labels the class count, NaN the step and layer, OOM the batch size', () => {
  assert.throws(() => checkInputShape('x', ['N', 1, 28, 28], [1, 32, 28]), (e: TrainingError) => /dimension 2 of input "x" is 28 in the model but 32/.test(e.message));
  assert.doesNotThrow(() => checkInputShape('x', ['N', 1, 28, 28], [784]));
  assert.throws(() => checkLabels(10, 0, 10, 'logits'), /label 10 .* 10 classes/);
  assert.throws(() => checkLabels(3, -1, 10, 'logits'), /label -1/);
  const nf = new NonFiniteError('backward', 'fc2', 'Gemm', 'h', 17);
  const e = toTrainError(nf, { lr: 0.5, batchSize: 64, loss: 'cross-entropy' });
  assert.equal(e.code, 'nanLoss');
  assert.equal(e.step, 17);
  assert.match(e.message, /step 17 in layer fc2 \(Gemm\)/);
  assert.match(e.hint, /Lower the learning rate \(now 0.5; try 0.05\)/);
  const oom = toTrainError(Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), { code: 'ERR_WORKER_OUT_OF_MEMORY' }), { lr: 1, batchSize: 512, loss: 'mse' });
  assert.equal(oom.code, 'outOfMemory');
  assert.match(oom.hint, /batch size \(now 512\)/);
  assert.equal(toTrainError(new RangeError('Array buffer allocation failed')).code, 'outOfMemory');
  assert.equal(toTrainError(new Error('cross-entropy: label 12 outside [0, 10)')).code, 'labelsOutOfRange');
});

test('histograms and metrics CSV', () => {
  const counts = new Float32Array(4), range = new Float32Array(2);
  histogramInto([Float32Array.of(0, 1, 2), Float32Array.of(3, NaN)], 4, counts, range);
  assert.deepEqual(Array.from(counts), [1, 1, 1, 1]);
  assert.deepEqual(Array.from(range), [0, 3]);
  const csv = metricsCsv([{ step: 0, epoch: 0, loss: 2.5, lr: 0.1, samplesPerSec: 100, gradNorm: 1, valLoss: 2 }]);
  assert.equal(csv.split('\n')[1], '0,0,2.5,,0.1,100,1,2,');
});
