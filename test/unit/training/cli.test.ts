// CLI `train` and `run` on the bundled MLP: JSONL step lines with the pre-update batch loss,
// in-order batches with --no-shuffle, trained model output, and `run` writing .npy outputs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run as train } from '../../../extension/cli/train';
import { run as runCmd } from '../../../extension/cli/run';
import { readNpy, writeNpy } from '../../../extension/cli/tensorIO';
import { readModelFileSync } from '../../../extension/onnx/reader';
import { graphFromModel } from '../../../extension/engine/graph';
import { Executor } from '../../../extension/engine/executor';
import { cpuBackend } from '../../../extension/engine/cpu/backend';
import { Tensor } from '../../../extension/engine/tensor';
import { computeLoss } from '../../../extension/training/losses';
import { Rng } from '../../../extension/engine/rng';

const MLP = path.resolve(__dirname, '../../../media/samples/mnist-mlp.onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-cli-'));

function quiet<T>(f: () => Promise<T>): Promise<T> {
  const w = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  return f().finally(() => { process.stdout.write = w; });
}

test('train --no-shuffle logs the pre-update loss of in-order batches', { skip: !fs.existsSync(MLP) }, async () => {
  const rng = new Rng(2), n = 24;
  const x = Float32Array.from({ length: n * 784 }, () => rng.next());
  const y = new BigInt64Array(n).map((_, i) => BigInt(i % 10));
  fs.writeFileSync(path.join(tmp, 'x.npy'), writeNpy({ dims: [n, 784], elemType: 'float32', data: x }));
  fs.writeFileSync(path.join(tmp, 'y.npy'), writeNpy({ dims: [n], elemType: 'int64', data: y }));
  const log = path.join(tmp, 'log.jsonl'), out = path.join(tmp, 'trained.onnx');
  const code = await quiet(() => train([MLP, '--data', path.join(tmp, 'x.npy'), '--labels', path.join(tmp, 'y.npy'), '--no-shuffle',
    '--val-split', '0', '--batch-size', '8', '--steps', '2', '--optimizer', 'sgd', '--lr', '0.1', '--log-jsonl', log, '--out', out]));
  assert.equal(code, 0);
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.deepEqual(lines.map((l) => l.step), [0, 1]);
  // step 0: loss of samples 0..7 under the initial weights
  const ex = new Executor(graphFromModel(readModelFileSync(MLP)), cpuBackend());
  const logits = ex.run({ input: new Tensor('float32', [8, 784], x.slice(0, 8 * 784)) }).get('logits')!;
  const ref = computeLoss('cross-entropy', logits, Tensor.from('int64', [8], [0, 1, 2, 3, 4, 5, 6, 7])).loss;
  assert.ok(Math.abs(lines[0].loss - ref) < 1e-9, `${lines[0].loss} vs ${ref}`);
  assert.ok(fs.existsSync(out));
  assert.ok(lines[0].gradNorms['fc1.weight'] > 0 && lines[0].weightNorms['fc3.bias'] > 0);
});

test('run --backend engine writes each output as .npy', { skip: !fs.existsSync(MLP) }, async () => {
  const rng = new Rng(3);
  const x = Float32Array.from({ length: 2 * 784 }, () => rng.next());
  const inp = path.join(tmp, 'in.npy'), dir = path.join(tmp, 'out');
  fs.writeFileSync(inp, writeNpy({ dims: [2, 784], elemType: 'float32', data: x }));
  const code = await quiet(() => runCmd([MLP, '--input', `input=${inp}`, '--out', dir, '--backend', 'engine']));
  assert.equal(code, 0);
  const got = readNpy(new Uint8Array(fs.readFileSync(path.join(dir, 'logits.npy'))));
  const ex = new Executor(graphFromModel(readModelFileSync(MLP)), cpuBackend());
  const want = ex.run({ input: new Tensor('float32', [2, 784], x) }).get('logits')!;
  assert.deepEqual(got.dims, [2, 10]);
  assert.deepEqual(Array.from(got.data as Float32Array), Array.from(want.data));
});

test('train rejects a bad --loss with a usage error', async () => {
  await assert.rejects(train([MLP, '--data', 'mnist-sample', '--loss', 'hinge']), /--loss must be/);
});

test('train --tf32 on the CPU trains in fp32 and says TF32 is for CUDA only', { skip: !fs.existsSync(MLP) }, async () => {
  const rng = new Rng(3), n = 8;
  fs.writeFileSync(path.join(tmp, 'tx.npy'), writeNpy({ dims: [n, 784], elemType: 'float32', data: Float32Array.from({ length: n * 784 }, () => rng.next()) }));
  fs.writeFileSync(path.join(tmp, 'ty.npy'), writeNpy({ dims: [n], elemType: 'int64', data: new BigInt64Array(n).map((_, i) => BigInt(i % 10)) }));
  let err = '';
  const w = process.stderr.write;
  process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
  try {
    const code = await quiet(() => train([MLP, '--data', path.join(tmp, 'tx.npy'), '--labels', path.join(tmp, 'ty.npy'), '--val-split', '0',
      '--batch-size', '8', '--steps', '1', '--device', 'cpu', '--tf32']));
    assert.equal(code, 0);
  } finally { process.stderr.write = w; }
  assert.match(err, /note: --tf32 applies to the CUDA backend only; training on the CPU in fp32\./);
});
