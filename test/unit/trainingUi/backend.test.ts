// The training backend choice: auto / cpu / cuda remembered in <model>.nltrain.json (the
// setting fills in files that name none), 'auto' falling back to the CPU with the reason in
// the run's ready message and summary, and 'cuda' without CUDA failing with a clear error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asTrainBackend, BACKENDS, defaultTrainFile, jobFromFile, readTrainFile, sidecarPaths, validateTrainFile, writeTrainFile } from '../../../extension/trainingUi/config';
import { trainingBackend } from '../../../extension/trainingUi/backend';
import { TrainingError, toTrainError } from '../../../extension/trainingUi/errors';
import { TrainingRun } from '../../../extension/trainingUi/job';
import { cpuBackend } from '../../../extension/engine/cpu/backend';
import { cudaStatus } from '../../../extension/engine/cuda/status';
import type { RegistryBackend } from '../../../extension/engine/backend';
import type { FromTrainWorker, TrainBackend } from '../../../shared/protocolTraining';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-backend-'));
const MLP = path.resolve(__dirname, '../../../media/samples/mnist-mlp.onnx');
const noCuda = cudaStatus().available ? 'CUDA is available here' : false;

test('the backend choice round-trips through .nltrain.json; a file without one takes the setting', () => {
  const model = path.join(tmp, 'net.onnx'), file = sidecarPaths(model).config;
  for (const b of BACKENDS) {
    writeTrainFile(file, { ...defaultTrainFile(), backend: b });
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).backend, b);
    const back = readTrainFile(file, b === 'cpu' ? 'cuda' : 'cpu')!;
    assert.equal(back.backend, b, 'the file wins over the setting');
    assert.equal(jobFromFile(model, back).backend, b);
  }
  fs.writeFileSync(file, JSON.stringify({ dataset: 'mnist-sample' }));
  assert.equal(readTrainFile(file, 'auto')!.backend, 'auto');
  assert.equal(readTrainFile(file)!.backend, 'cpu');
  assert.equal(defaultTrainFile('cuda').backend, 'cuda');
  assert.deepEqual(validateTrainFile({ backend: 'gpu' }), ['"backend" must be one of auto, cpu, cuda (got "gpu")']);
  assert.equal(asTrainBackend('auto'), 'auto');
  assert.equal(asTrainBackend('gpu'), 'cpu');
  assert.equal(asTrainBackend(undefined), 'cpu');
  const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../media/schemas/nltrain.schema.json'), 'utf8'));
  assert.deepEqual(schema.properties.backend.enum, BACKENDS);
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8'));
  assert.deepEqual([...pkg.contributes.configuration.properties['neuralLens.training.backend'].enum].sort(), [...BACKENDS].sort());
});

test('cpu is the CPU backend exactly as before (same thread count)', () => {
  const t = trainingBackend('cpu');
  assert.equal(t.backend.name, 'cpu');
  assert.equal((t.backend as RegistryBackend).threads, (cpuBackend() as RegistryBackend).threads);
  assert.deepEqual({ label: t.label, reason: t.reason, fellBack: t.fellBack }, { label: 'CPU', reason: 'cpu selected', fellBack: false });
});

test("auto falling back names the reason; cuda without CUDA is a TrainingError saying why (stand-in selection)", () => {
  const why = 'CUDA not available: libcuda.so.1 not found (no NVIDIA driver)';
  const select = (c: TrainBackend) => {
    if (c === 'cuda') throw new Error(`The CUDA backend was selected but cannot be used: ${why}. Choose "auto" or "cpu" to train on the CPU.`);
    return { backend: cpuBackend(), reason: c === 'auto' ? `auto: using the CPU (${why})` : 'cpu selected' };
  };
  const auto = trainingBackend('auto', select);
  assert.equal(auto.backend.name, 'cpu');
  assert.equal(auto.fellBack, true);
  assert.equal(auto.label, 'CPU');
  assert.equal(auto.reason, `auto: using the CPU (${why})`);
  assert.throws(() => trainingBackend('cuda', select), (e: unknown) => {
    assert.ok(e instanceof TrainingError);
    const info = toTrainError(e);
    assert.equal(info.code, 'backend');
    assert.equal(info.message, `The CUDA backend was selected but cannot be used: ${why}.`);
    assert.match(info.hint, /"auto".*"cpu"/);
    return true;
  });
});

function runJob(backend: TrainBackend): Promise<FromTrainWorker[]> {
  const model = path.join(tmp, `run-${backend}.onnx`);
  fs.copyFileSync(MLP, model);
  const job = jobFromFile(model, { ...defaultTrainFile(), backend, validationSplit: 0 }, { steps: 2 });
  const got: FromTrainWorker[] = [];
  return new Promise((resolve) => {
    const run = new TrainingRun(job, (m) => {
      got.push(m);
      if (m.type === 'state' && ['finished', 'stopped', 'failed'].includes(m.state)) resolve(got);
    });
    run.handle({ type: 'start', job });
  });
}

test('a run with auto on a machine without CUDA trains on the CPU and says why (ready + summary)', { skip: noCuda }, async () => {
  const got = await runJob('auto');
  const ready = got.find((m) => m.type === 'ready');
  const done = got.find((m) => m.type === 'done');
  assert.ok(ready?.type === 'ready' && done?.type === 'done', JSON.stringify(got.find((m) => m.type === 'error')));
  assert.equal(ready.ready.backend, 'CPU');
  assert.equal(ready.ready.backendFallback, true);
  assert.match(ready.ready.backendReason, /^auto: using the CPU \(CUDA not available: .+\)$/);
  assert.equal(done.summary.backend, 'CPU');
  assert.equal(done.summary.steps, 2);
});

test('a run with cuda on a machine without CUDA fails with the reason, before loading data', { skip: noCuda }, async () => {
  const got = await runJob('cuda');
  const err = got.find((m) => m.type === 'error');
  assert.ok(err?.type === 'error');
  assert.equal(err.error.code, 'backend');
  assert.match(err.error.message, /^The CUDA backend was selected but cannot be used: CUDA not available: .+\.$/);
  assert.match(err.error.hint, /"auto"/);
  assert.deepEqual(got.filter((m) => m.type === 'state').map((m) => m.type === 'state' && m.state), ['starting', 'failed']);
  assert.ok(!got.some((m) => m.type === 'ready'));
});

test('a run with cpu reports the CPU backend without a fallback', async () => {
  const got = await runJob('cpu');
  const ready = got.find((m) => m.type === 'ready');
  assert.ok(ready?.type === 'ready');
  assert.deepEqual([ready.ready.backend, ready.ready.backendReason, ready.ready.backendFallback], ['CPU', 'cpu selected', undefined]);
});

test('TF32: remembered in .nltrain.json, passed to the job, validated, in the schema', () => {
  const model = path.join(tmp, 'tf.onnx'), file = sidecarPaths(model).config;
  writeTrainFile(file, { ...defaultTrainFile('cuda'), tf32: true });
  const back = readTrainFile(file)!;
  assert.equal(back.tf32, true);
  assert.equal(jobFromFile(model, back).tf32, true);
  assert.equal(jobFromFile(model, defaultTrainFile()).tf32, undefined, 'off unless asked for');
  assert.deepEqual(validateTrainFile({ tf32: 'yes' }), ['"tf32" must be true or false (got "yes")']);
  const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../media/schemas/nltrain.schema.json'), 'utf8'));
  assert.equal(schema.properties.tf32.type, 'boolean');
  assert.equal(schema.properties.tf32.default, false);
});

test('TF32 on the CUDA backend: turned on or off in the runtime, named in the label and reason; on the CPU a note (stand-ins)', () => {
  const fakeCuda = { ...cpuBackend(), name: 'cuda', run: cpuBackend().run, runMulti: cpuBackend().runMulti };
  const select = () => ({ backend: fakeCuda, reason: 'cuda selected' });
  const calls: boolean[] = [];
  const ampere = (on: boolean) => { calls.push(on); return on; };
  const on = trainingBackend('cuda', select, { tf32: true, setTf32: ampere });
  assert.match(on.label, /^CUDA.* · TF32$/);
  assert.equal(on.reason, 'cuda selected; matrix products and convolutions on TF32 tensor cores');
  const off = trainingBackend('cuda', select, { setTf32: ampere });
  assert.doesNotMatch(off.label, /TF32/);
  assert.equal(off.reason, 'cuda selected');
  assert.deepEqual(calls, [true, false], 'the runtime is told both ways (a previous run may have turned it on)');

  const turing = () => false;
  const old = trainingBackend('cuda', select, { tf32: true, setTf32: turing });
  assert.doesNotMatch(old.label, /TF32/);
  assert.match(old.reason, /TF32 was asked for, but this GPU has no TF32 tensor cores \(compute capability 8\.0 or later\): full fp32$/);

  const cpu = trainingBackend('cpu', undefined, { tf32: true, setTf32: () => { throw new Error('not on the CPU'); } });
  assert.equal(cpu.label, 'CPU');
  assert.equal(cpu.reason, 'cpu selected; TF32 applies to the CUDA backend only');
});
