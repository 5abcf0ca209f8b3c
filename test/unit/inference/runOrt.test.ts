// runOrt on bad input: clear messages, nothing crashes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { releaseOrtSessions, runOrt } from '../../../extension/inference/runOrt';
import { InferenceError } from '../../../extension/inference/types';

const mlp = path.resolve(__dirname, '../../../media/samples/mnist-mlp.onnx');
after(() => releaseOrtSessions());
const x = (dims: number[], elemType = 'float32') => ({ dims, elemType, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) });

test('runOrt returns outputs, provider, reason and latency', async () => {
  const r = await runOrt(mlp, { input: x([3, 784]) });
  assert.deepEqual(r.outputs.logits.dims, [3, 10]);
  assert.ok(['cpu', 'cuda'].includes(r.provider));
  assert.ok(r.providerReason.length > 0);
  if (r.provider === 'cpu') assert.match(r.providerReason, /^CUDA not available: |^CUDA provider failed/);
  assert.ok(r.latencyMs >= 0);
});

test('runOrt rejects bad input with a clear message', async () => {
  await assert.rejects(runOrt(mlp, {}), (e: Error) => e instanceof InferenceError && /Input "input" is missing/.test(e.message));
  await assert.rejects(runOrt(mlp, { input: x([1, 784]), other: x([1]) }), /has no input named "other"; its inputs are "input"/);
  await assert.rejects(runOrt(mlp, { input: x([1, 783]) }), /shape \[1, 783\].*dimension 1 must be 784/);
  await assert.rejects(runOrt(mlp, { input: x([784]) }), /rank 1.*rank 2/);
  await assert.rejects(runOrt(mlp, { input: { dims: [1, 784], elemType: 'int32', data: new Int32Array(784) } }), /is int32; .* wants float32/);
  await assert.rejects(runOrt(mlp, { input: { dims: [1, 784], elemType: 'float32', data: new Float32Array(10) } }), /has 10 values but shape \[1, 784\] needs 784/);
  await assert.rejects(runOrt('/nonexistent/model.onnx', {}), /Model not found/);
});

test('runOrt reports a model ORT refuses', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-ort-'));
  const bad = path.join(dir, 'bad.onnx');
  fs.writeFileSync(bad, Buffer.from('not a model at all'));
  try {
    await assert.rejects(runOrt(bad, {}), (e: Error) => e instanceof InferenceError && /ONNX Runtime cannot load bad\.onnx/.test(e.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
