// The addon's C glue end to end without a GPU: a stand-in libcuda.so.1 and NVRTC built here
// from native/cuda/test/stub_*.c (host memory as "device" memory; two kernels emulated)
// let the real addon load a "driver", report a device, compile, allocate, copy, launch with
// marshalled arguments, capture a graph, and report compile and allocation errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cudaAddonCandidates } from '../../../extension/engine/cuda/addon';

const root = path.resolve(__dirname, '../../..');
const cc = process.env.CC || 'cc';
const haveCc = spawnSync(cc, ['--version']).status === 0;
const addonBuilt = cudaAddonCandidates().some((p) => fs.existsSync(p));
const skip = process.platform !== 'linux' ? 'Linux only' : !haveCc ? 'no C compiler' : !addonBuilt ? 'the CUDA addon is not built' : false;

function buildStubs(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-cuda-stub-'));
  for (const [src, out] of [['stub_cuda.c', 'libcuda.so.1'], ['stub_nvrtc.c', 'libnvrtc-stub.so']]) {
    const r = spawnSync(cc, ['-shared', '-fPIC', '-O1', '-o', path.join(dir, out), path.join(root, 'native/cuda/test', src)], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  return dir;
}

function probe(env: Record<string, string>, arg = ''): Record<string, any> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'stubProbe.ts'), arg], {
    cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('the addon against a stand-in driver and NVRTC: status, compile, copies, launches, graphs, errors', { skip }, () => {
  const dir = buildStubs();
  try {
    const o = probe({ LD_LIBRARY_PATH: dir, NEURAL_LENS_NVRTC: path.join(dir, 'libnvrtc-stub.so') });
    assert.equal(o.status.available, true, JSON.stringify(o.status));
    assert.equal(o.status.device.name, 'Stub GPU');
    assert.equal(o.status.device.computeCapability, '9.0');
    assert.equal(o.status.device.driver, '13.0');
    assert.match(o.status.device.nvrtc, /^13\.0 /);
    assert.equal(o.backend, 'cuda');
    assert.deepEqual(o.add, { device: true, data: [11, 22, 33] });
    assert.deepEqual(o.addScalar, [3, 6, 9, 12]);
    assert.deepEqual(o.fill, [2.5, 2.5, 2.5, 2.5]);
    assert.deepEqual(o.int64, [5, -1, 7]);
    assert.deepEqual(o.clone, [8, 9]);
    assert.equal(typeof o.graph, 'number');
    assert.equal(o.memInfo.total, 80 * 2 ** 30);
    assert.deepEqual(o.recompile, { sameModule: true, sameFunction: true });
    assert.match(o.compileError, /^threw: NVRTC could not compile bad\.cu: NVRTC_ERROR_COMPILATION\nstub\.cu\(1\): error: #error directive found/);
    assert.match(o.oom, /^threw: cuMemAlloc\(1099511627776 bytes\): out of memory \(stub\)/);
    assert.match(o.notEmulated, /^threw: cuLaunchKernel: stub error/);

    // a terminated worker's device memory is freed with its environment (a finished training run)
    const torn = probe({ LD_LIBRARY_PATH: dir, NEURAL_LENS_NVRTC: path.join(dir, 'libnvrtc-stub.so') }, 'worker-teardown');
    assert.equal(torn.during, 4 << 20, JSON.stringify(torn));
    assert.equal(torn.after, torn.before, JSON.stringify(torn));

    const none = probe({ LD_LIBRARY_PATH: dir, NEURAL_LENS_NVRTC: path.join(dir, 'libnvrtc-stub.so'), STUB_CUDA_NO_DEVICE: '1' }, 'status-only');
    assert.equal(none.status.available, false);
    assert.match(none.status.reason, /^CUDA not available: no device/);

    const old = probe({ LD_LIBRARY_PATH: dir, NEURAL_LENS_NVRTC: path.join(dir, 'libnvrtc-stub.so'), STUB_CUDA_OLD_DRIVER: '1' }, 'backend-only');
    assert.equal(old.status.available, true);
    assert.match(old.backend, /^threw: CUDA not available: the kernels did not compile: cuModuleLoadData \(PTX from NVRTC 13\.0; the driver supports CUDA 12\.4: use an NVRTC no newer than the driver, via NEURAL_LENS_NVRTC\)/);

    const noNvrtc = probe({ LD_LIBRARY_PATH: dir, NEURAL_LENS_NVRTC: path.join(dir, 'missing.so') }, 'status-only');
    assert.equal(noNvrtc.status.available, false);
    assert.match(noNvrtc.status.reason, /^CUDA not available: NVRTC not found/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
