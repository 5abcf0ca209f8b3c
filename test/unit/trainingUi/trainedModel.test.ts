// The bundled MNIST MLP trained for one epoch on mnist-sample through the CLI reaches ≥ 90 %
// validation accuracy, and the model it saves loads in ONNX Runtime with the engine's outputs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run as train } from '../../../extension/cli/train';
import { runOrt } from '../../../extension/inference/runOrt';
import { readModelFileSync } from '../../../extension/onnx/reader';
import { graphFromModel } from '../../../extension/engine/graph';
import { Executor } from '../../../extension/engine/executor';
import { cpuBackend } from '../../../extension/engine/cpu/backend';
import { Tensor } from '../../../extension/engine/tensor';
import { loadMnistSample } from '../../../extension/datasets/mnistSample';

const MLP = path.resolve(__dirname, '../../../media/samples/mnist-mlp.onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-trained-'));
const out = path.join(tmp, 'mlp-trained.onnx');

test('CLI: mnist-mlp, 1 epoch on mnist-sample → ≥ 90 % validation accuracy', { skip: !fs.existsSync(MLP) }, async () => {
  let line = '';
  const w = process.stdout.write;
  // only the CLI's summary line; the test runner's own output passes through
  process.stdout.write = ((s: unknown, ...rest: unknown[]) => {
    if (typeof s === 'string' && s.startsWith('{"steps"')) { line += s; return true; }
    return (w as (...a: unknown[]) => boolean).call(process.stdout, s, ...rest);
  }) as typeof process.stdout.write;
  try {
    assert.equal(await train([MLP, '--data', 'mnist-sample', '--epochs', '1', '--lr', '0.002', '--seed', '1', '--out', out]), 0);
  } finally { process.stdout.write = w; }
  const r = JSON.parse(line.trim().split('\n').pop()!);
  console.log(`cli train mnist-mlp 1 epoch: ${r.seconds} s, validation accuracy ${r.valAccuracy}`);
  assert.ok(r.valAccuracy >= 0.9, `validation accuracy ${r.valAccuracy}`);
});

test('the trained model runs in ONNX Runtime with the engine\'s outputs (≤ 1e-4)', { skip: !fs.existsSync(MLP) }, async () => {
  assert.ok(fs.existsSync(out), 'the previous test wrote the model');
  const ds = loadMnistSample(), n = 16;
  const x = new Float32Array(ds.x.data.subarray(0, n * 784) as Float32Array);
  const ort = await runOrt(out, { input: { dims: [n, 784], elemType: 'float32', data: x } });
  const eng = new Executor(graphFromModel(readModelFileSync(out)), cpuBackend()).run({ input: new Tensor('float32', [n, 784], x) });
  const name = Object.keys(ort.outputs)[0];
  const a = ort.outputs[name].data as Float32Array, b = eng.get(name)!.data as Float32Array;
  assert.equal(a.length, b.length);
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  assert.ok(maxDiff <= 1e-4, `max |ort − engine| = ${maxDiff}`);
  // and it differs from the untrained model
  const before = new Executor(graphFromModel(readModelFileSync(MLP)), cpuBackend()).run({ input: new Tensor('float32', [n, 784], x) }).get(name)!.data;
  assert.notDeepEqual(Array.from(before), Array.from(b));
});
