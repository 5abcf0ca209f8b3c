// The CUDA backend on any machine: the addon builds and loads, cudaStatus() explains itself,
// 'auto' falls back to the CPU, 'cuda' fails with a clear message, every kernel name is
// registered for the CUDA backend, and the kernel sources parse. (GPU runs: cudaParity.test.ts.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cudaAddonCandidates, loadCudaAddon } from '../../../extension/engine/cuda/addon';
import { cudaStatus, cudaStatusLine } from '../../../extension/engine/cuda/status';
import { CPU_FALLBACK_KERNELS, CUDA, CUDA_KERNELS, registerCudaKernels } from '../../../extension/engine/cuda/registerAll';
import { selectBackend } from '../../../extension/engine/selectBackend';
import { getKernel, unregisterBackendKernels } from '../../../extension/engine/registry';
import { K } from '../../../extension/engine/kernelNames';

const root = path.resolve(__dirname, '../../..');
const skipBuild = process.env.NEURAL_LENS_SKIP_NATIVE === '1' || process.env.NEURAL_LENS_SKIP_CUDA === '1';

test('the CUDA addon was built by npm ci and loads', { skip: process.platform !== 'linux' || skipBuild ? 'not built on this platform / skipped by env' : false }, () => {
  const built = cudaAddonCandidates().find((p) => fs.existsSync(p));
  assert.ok(built, `no ${cudaAddonCandidates().join(', ')}: run "npm run install" and read "[neural-lens cuda]" lines`);
  const load = loadCudaAddon();
  assert.ok(load.ok, load.ok ? '' : load.reason);
  const s = load.addon.status();
  assert.equal(typeof s.available, 'boolean');
  if (!s.available) assert.match(s.reason, /^CUDA not available: /);
});

test('cudaStatus() gives a reason when CUDA is unavailable, a device when it is', () => {
  const s = cudaStatus();
  if (s.available) {
    assert.ok(s.device?.name, 'device name');
    assert.match(s.device!.computeCapability, /^\d+\.\d+$/);
  } else {
    assert.match(s.reason, /^CUDA not available: .+/);
    assert.equal(cudaStatusLine(s), s.reason);
  }
});

test("selectBackend('auto') uses CUDA when available, else the CPU with the reason", () => {
  const s = cudaStatus();
  const sel = selectBackend('auto');
  if (s.available) assert.equal(sel.backend.name, 'cuda');
  else {
    assert.equal(sel.backend.name, 'cpu');
    assert.match(sel.reason, /^auto: using the CPU \(CUDA not available: /);
  }
  assert.equal(selectBackend('cpu').backend.name, 'cpu');
});

test("selectBackend('cuda') without CUDA is a clear error", { skip: cudaStatus().available ? 'CUDA is available here' : false }, () => {
  assert.throws(() => selectBackend('cuda'), /The CUDA backend was selected but cannot be used: CUDA not available: .+Choose "auto" or "cpu"/);
  assert.throws(() => selectBackend('tpu' as never), /unknown engine backend "tpu"/);
});

test('NEURAL_LENS_CUDA=0 disables the backend (child process)', () => {
  const probe = "const {cudaStatus}=require('./extension/engine/cuda/status');console.log(JSON.stringify(cudaStatus()))";
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', probe], { cwd: root, encoding: 'utf8', env: { ...process.env, NEURAL_LENS_CUDA: '0' } });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.deepEqual(s, { available: false, reason: 'CUDA not available: disabled by NEURAL_LENS_CUDA=0' });
});

test('every kernel name is registered once for the CUDA backend (GPU kernel or CPU fallback)', () => {
  unregisterBackendKernels(CUDA);
  registerCudaKernels();
  for (const k of Object.values(K)) assert.ok(getKernel(k, CUDA), `cuda has no ${k}`);
  assert.equal(CUDA_KERNELS.length + CPU_FALLBACK_KERNELS.length, Object.values(K).length);
  assert.throws(() => registerCudaKernels(), /already registered/);
  unregisterBackendKernels(CUDA);
});

const cxx = spawnSync('g++', ['--version']).status === 0;
test('the CUDA kernel sources parse as C++ (host compiler, stub CUDA builtins)', { skip: cxx ? false : 'no g++ here' }, () => {
  const r = spawnSync('bash', [path.join(root, 'native/cuda/check-syntax.sh')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
});

test('CLI train --device: cuda without CUDA is an error naming the reason; bad values are usage errors', { skip: cudaStatus().available ? 'CUDA is available here' : false }, async () => {
  const { run } = await import('../../../extension/cli/train');
  const mlp = path.join(root, 'media/samples/mnist-mlp.onnx');
  await assert.rejects(run([mlp, '--data', 'mnist-sample', '--steps', '1', '--device', 'cuda']), /train: The CUDA backend was selected but cannot be used: CUDA not available: /);
  await assert.rejects(run([mlp, '--data', 'mnist-sample', '--steps', '1', '--device', 'gpu']), /--device must be auto, cpu or cuda/);
});
