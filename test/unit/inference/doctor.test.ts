// `doctor --json`: the environment report's fields, and the text form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../../extension/cli/doctor';
import { UsageError } from '../../../extension/cli/args';
import type { EnvironmentReport } from '../../../extension/inference/environment';

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await run(argv, { out: (t) => { out += t; } });
  return { code, out };
}

test('doctor --json reports versions, providers, engine, GPU and threads', async () => {
  const { code, out } = await capture(['--json', '--vscode-version', '1.99.0']);
  assert.equal(code, 0);
  const r = JSON.parse(out) as EnvironmentReport;
  assert.equal(r.node, process.versions.node);
  assert.equal(r.vscode, '1.99.0');
  assert.equal(r.platform, process.platform);
  assert.ok(r.cpu.cores >= 1 && r.cpu.model.length > 0);
  assert.equal(r.ort.loaded, true);
  assert.equal(r.ort.version, '1.30.0');
  assert.ok(r.ort.providers.some((p) => p.name === 'cpu' && p.bundled));
  assert.ok(['cpu', 'cuda'].includes(r.inference.provider));
  assert.ok(r.inference.reason.length > 0);
  assert.ok(Array.isArray(r.engine.backends) && r.engine.backends.length > 0);
  assert.equal(typeof r.gpu.found, 'boolean');
  assert.ok(r.gpu.reason.length > 0);
  assert.deepEqual(Object.keys(r.gpu.probes).sort(), ['libcuda', 'nvidiaSmi', 'procDriver']);
  if (!r.gpu.found) assert.equal(r.inference.provider, 'cpu');
  assert.ok(r.threads.ort >= 1 && r.threads.libuvPool >= 1);
});

test('doctor prints text, and rejects unknown options', async () => {
  const { code, out } = await capture([]);
  assert.equal(code, 0);
  assert.match(out, /^Node\.js +\d+\.\d+\.\d+/);
  assert.match(out, /ONNX Runtime +1\.30\.0/);
  assert.match(out, /Inference +(CPU|CUDA): /);
  assert.match(out, /GPU +/);
  await assert.rejects(capture(['--bogus']), (e: UsageError) => e instanceof UsageError && e.exitCode === 2 && /unknown option "--bogus"/.test(e.message));
});

test('the report names the training backend choice and what it gets here', async () => {
  const { trainingBackendReport } = await import('../../../extension/inference/environment');
  const none = { available: false, reason: 'libcuda.so.1 not found (no NVIDIA driver)' } as const;
  const gpu = { available: true, reason: '', device: { name: 'NVIDIA H100 80GB HBM3', computeCapability: '9.0', memoryGiB: 79.1 } } as const;
  assert.deepEqual(trainingBackendReport('cpu', 'setting', gpu), { choice: 'cpu', from: 'setting', gets: 'cpu', reason: 'cpu chosen' });
  const autoCpu = trainingBackendReport('auto', 'setting', none);
  assert.equal(autoCpu.gets, 'cpu');
  assert.match(autoCpu.reason, /CUDA not available: libcuda\.so\.1 not found/);
  const autoGpu = trainingBackendReport('auto', 'setting', gpu);
  assert.equal(autoGpu.gets, 'cuda');
  assert.match(autoGpu.reason, /NVIDIA H100 80GB HBM3 \(sm 9\.0, 79\.1 GiB\)/);
  const cudaNone = trainingBackendReport('cuda', 'setting', none);
  assert.equal(cudaNone.gets, 'none');
  assert.match(cudaNone.reason, /training stops with an error: CUDA cannot be used \(libcuda/);
  assert.equal(trainingBackendReport('gpu-please', 'setting', gpu).choice, 'cpu'); // as the setting reader treats it

  const { code, out } = await capture(['--json']);
  assert.equal(code, 0);
  const r = JSON.parse(out) as EnvironmentReport;
  assert.equal(r.training.choice, 'cpu');
  assert.equal(r.training.from, 'cli default');
  const text = await capture([]);
  assert.match(text.out, /Training +backend "cpu" \(CLI default; train --device auto\|cpu\|cuda\) -> CPU: cpu chosen/);
});

test('the report names the inference provider choice and what it gets here', async () => {
  const { environmentReport, formatEnvironmentReport } = await import('../../../extension/inference/environment');
  const auto = await environmentReport();
  assert.equal(auto.inference.choice, 'auto');
  assert.doesNotMatch(formatEnvironmentReport(auto), /\[provider/);
  const cpu = await environmentReport({ inferenceProvider: 'cpu' });
  assert.deepEqual(cpu.inference, { choice: 'cpu', provider: 'cpu', reason: 'CPU chosen (neuralLens.inference.provider)' });
  assert.match(formatEnvironmentReport(cpu), /Inference +CPU: CPU chosen \(neuralLens\.inference\.provider\) \[provider "cpu"\]/);
  assert.equal((await environmentReport({ inferenceProvider: 'bogus' })).inference.choice, 'auto');
  if (!auto.gpu.found) {
    const cuda = await environmentReport({ inferenceProvider: 'cuda' });
    assert.equal(cuda.inference.provider, 'none');
    assert.match(cuda.inference.reason, /^runs stop with an error: CUDA not available: /);
    assert.match(formatEnvironmentReport(cuda), /Inference +NONE: runs stop with an error: .*\[provider "cuda"\]/);
  }
});
