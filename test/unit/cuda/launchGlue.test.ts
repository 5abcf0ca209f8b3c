// The glue between the TypeScript kernels and the CUDA sources, checked without a GPU: every
// op case runs forward and backward on the CUDA backend over a stand-in addon that keeps
// "device" memory in host buffers and, at each launch, checks that the kernel exists in
// native/cuda/kernels, that the argument signature matches its parameter list (count and
// pointer/int/int64/float kinds), and that every pointer lies inside a live allocation.
// It proves the marshalling, not the arithmetic (that needs the GPU: cudaParity.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CudaRuntime, setRuntimeForTests } from '../../../extension/engine/cuda/runtime';
import type { AddonStatus, CudaAddon } from '../../../extension/engine/cuda/addon';
import { cudaBackend } from '../../../extension/engine/cuda/backend';
import { kernelSignatures } from './kernelSignatures';
import { opCases, runCase, seedsFor } from './opCases';

function standIn() {
  const sigs = kernelSignatures();
  const allocs = new Map<number, Uint8Array>();
  const names: string[] = [];
  const launched = new Set<string>();
  const traffic = { up: 0, down: 0 };
  let next = 0x10000;
  const errors: string[] = [];
  const view = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const inside = (p: number) => { for (const [b, m] of allocs) if (p >= b && p < b + m.length) return true; return false; };
  const addon: CudaAddon = {
    status: () => ({ available: true, reason: '', asyncAlloc: true, graphs: true, smCount: 132, ccMajor: 9, ccMinor: 0 }),
    compile: () => 0,
    getFunction: (_m, name) => { if (!sigs.has(name)) throw new Error(`no kernel ${name} in the sources`); names.push(name); return names.length - 1; },
    alloc: (bytes) => { const p = next; next += Math.ceil(bytes / 256) * 256 + 256; allocs.set(p, new Uint8Array(bytes)); return p; },
    free: (p) => { allocs.delete(p); },
    upload: (p, src) => { const m = allocs.get(p); if (!m || m.length < src.byteLength) throw new Error('upload outside an allocation'); m.set(view(src)); traffic.up += src.byteLength; },
    download: (dst, p) => { const m = allocs.get(p); if (!m || m.length < dst.byteLength) throw new Error('download outside an allocation'); view(dst).set(m.subarray(0, dst.byteLength)); traffic.down += dst.byteLength; },
    copy: (d, s, n) => { allocs.get(d)!.set(allocs.get(s)!.subarray(0, n)); },
    fill32: (p, bits, count) => { const m = allocs.get(p)!; new Uint32Array(m.buffer, 0, count).fill(bits); },
    launch: (fn, gx, gy, gz, bx, by, bz, _sh, sig, args) => {
      const name = names[fn], want = sigs.get(name)!;
      launched.add(name);
      if (sig !== want) errors.push(`${name}: signature "${sig}", kernel takes "${want}"`);
      if (args.length !== sig.length) errors.push(`${name}: ${args.length} args for signature "${sig}"`);
      [...sig].forEach((c, i) => {
        const v = args[i];
        if (!Number.isFinite(v) && c !== 'f') errors.push(`${name}: argument ${i} is ${v}`);
        if (c === 'p' && v !== 0 && !inside(v)) errors.push(`${name}: pointer argument ${i} outside every allocation`);
        if (c === 'i' && (!Number.isInteger(v) || Math.abs(v) >= 2 ** 31)) errors.push(`${name}: int argument ${i} = ${v}`);
      });
      if (![gx, gy, gz, bx, by, bz].every((d) => Number.isInteger(d) && d >= 1)) errors.push(`${name}: launch dims ${[gx, gy, gz, bx, by, bz]}`);
      if (bx * by * bz > 1024) errors.push(`${name}: block of ${bx * by * bz} threads`);
      if (gy > 65535 || gz > 65535) errors.push(`${name}: grid y/z ${gy}/${gz} over 65535`);
    },
    sync: () => {},
    memInfo: () => ({ free: 0, total: 0 }),
    graphBegin: () => {}, graphEnd: () => 0, graphLaunch: () => {}, graphDestroy: () => {},
  };
  const info: AddonStatus = addon.status();
  return { rt: new CudaRuntime(addon, info), errors, launched, sigs, traffic };
}

/** Runs f with the stand-in as the CUDA runtime, restoring the real one afterwards. */
async function withStandIn(f: (s: ReturnType<typeof standIn>) => unknown): Promise<void> {
  const s = standIn();
  setRuntimeForTests(s.rt);
  try { await f(s); } finally { setRuntimeForTests(undefined); }
}

test('every CUDA kernel launch matches its kernel (stand-in addon, no GPU)', () => withStandIn(async (s) => {
  const backend = cudaBackend();
  const failures: string[] = [];
  for (const c of opCases()) {
    try {
      const seeds = seedsFor(runCase(backend, c, undefined).shapes);
      runCase(backend, c, seeds);
    } catch (e) {
      failures.push(`${c.op} ${c.name ?? ''}: ${(e as Error).message}`);
    }
  }
  // and the GEMM-based ops once more on the TF32 tensor-core kernel
  s.rt.tf32 = true;
  for (const c of opCases().filter((c) => ['Gemm', 'MatMul', 'Conv', 'ConvTranspose'].includes(c.op))) {
    try { runCase(backend, c, seedsFor(runCase(backend, c, undefined).shapes)); } catch (e) { failures.push(`tf32 ${c.op} ${c.name ?? ''}: ${(e as Error).message}`); }
  }
  s.rt.tf32 = false;
  assert.deepEqual(failures, []);
  assert.deepEqual([...new Set(s.errors)], []);
  // the optimizers and the Trainer's norms and NaN checks are not ops: tests below launch them
  const unlaunched = [...s.sigs.keys()].filter((k) => !s.launched.has(k));
  assert.deepEqual(unlaunched.filter((k) => !['sgd_step', 'adam_step', 'fill_f32', 'sumsq_into', 'nonfinite_flag'].includes(k)), []);
}));

test('the fused optimizers launch with matching arguments (stand-in addon)', () => withStandIn(async (s) => {
  const { DeviceOptimizer } = await import('../../../extension/engine/cuda/optim');
  const { Tensor } = await import('../../../extension/engine/tensor');
  for (const cfg of [{ name: 'sgd', lr: 0.1, momentum: 0.9 }, { name: 'adamw', lr: 1e-3 }] as const) {
    const opt = new DeviceOptimizer({ ...cfg });
    let p = new Map([['w', Tensor.from('float32', [4], [1, 2, 3, 4])]]);
    for (let i = 0; i < 2; i++) p = opt.step(p, new Map([['w', Tensor.from('float32', [4], [1, 1, 1, 1])]]), cfg.lr) as typeof p;
  }
  assert.deepEqual(s.errors, []);
  assert.ok(s.launched.has('sgd_step') && s.launched.has('adam_step'));
}));

test('CudaTrainStep runs the benchmark models with matching launches (stand-in addon)', () => withStandIn(async (s) => {
  const { CudaTrainStep } = await import('../../../extension/engine/cuda/trainStep');
  const { buildModel, inputShape } = await import('../../../bench/cuda/models');
  const { Tensor } = await import('../../../extension/engine/tensor');
  for (const m of ['mlp', 'lenet', 'resnet18'] as const) {
    const ts = new CudaTrainStep(buildModel(m), { name: 'sgd', lr: 0.01, momentum: 0.9 });
    const x = Tensor.zeros('float32', [2, ...inputShape(m)]), y = Tensor.from('int64', [2], [3, 7]);
    for (let i = 0; i < 2; i++) ts.step(x, y);
  }
  assert.deepEqual([...new Set(s.errors)], []);
}));

test('the Trainer on CUDA keeps parameters, gradients and optimizer state on the device (stand-in addon)', () => withStandIn(async (s) => {
  const { Trainer } = await import('../../../extension/training/trainer');
  const { makeDataset } = await import('../../../extension/datasets/dataset');
  const { buildModel } = await import('../../../bench/cuda/models');
  const { Tensor } = await import('../../../extension/engine/tensor');
  const data = makeDataset(Tensor.zeros('float32', [8, 784]), Tensor.from('int64', [8], [0, 1, 2, 3, 4, 5, 6, 7]), 'zeros', 10);
  const graph = buildModel('mlp');
  let paramBytes = 0;
  for (const p of graph.params) paramBytes += graph.initializers.get(p)!.size * 4;
  for (const [optimizer, frozen] of [[{ name: 'sgd', lr: 0.1, momentum: 0.9 }, []], [{ name: 'adam', lr: 1e-3 }, [[...graph.params][0]]]] as const) {
    // the Adam run freezes the first weight: frozen weights stay on the device too
    const cfg = { loss: 'cross-entropy' as const, optimizer, batchSize: 4, steps: 10, clipNorm: 1, frozen: [...frozen] };
    const tr = new Trainer(buildModel('mlp'), cudaBackend(), data, cfg);
    await tr.trainStep(); // uploads the parameters once
    const before = { ...s.traffic };
    const m = await tr.trainStep();
    const up = s.traffic.up - before.up, down = s.traffic.down - before.down;
    // per step: the batch and the loss gradient go up; logits, norms and NaN flags come back
    assert.ok(up < 4 * 784 * 4 + 4096, `uploaded ${up} bytes in a step (parameters: ${paramBytes})`);
    assert.ok(down < 8192, `downloaded ${down} bytes in a step (parameters: ${paramBytes})`);
    assert.deepEqual(Object.keys(m.gradNorms), tr.params);
    assert.deepEqual(Object.keys(m.weightNorms), tr.params);
    // a checkpoint carries the optimizer state in the CPU optimizers' form, and loads back
    const st = tr.getState();
    const names = Object.keys(st.optimizer);
    assert.deepEqual(names, tr.params);
    const key = optimizer.name === 'sgd' ? 'momentum_buffer' : 'exp_avg';
    assert.ok(st.optimizer[names[0]][key] instanceof Float32Array);
    // reading the checkpoint left no host copies behind to be uploaded again
    const upBefore = s.traffic.up;
    await tr.trainStep();
    assert.ok(s.traffic.up - upBefore < 4 * 784 * 4 + 4096, `uploaded ${s.traffic.up - upBefore} bytes in the step after a checkpoint`);
    const tr2 = new Trainer(buildModel('mlp'), cudaBackend(), data, cfg);
    tr2.setState(st);
    await tr2.trainStep();
    assert.deepEqual(Object.keys(tr2.getState().optimizer), tr.params);
  }
  assert.deepEqual([...new Set(s.errors)], []);
  for (const k of ['sumsq_into', 'nonfinite_flag', 'sgd_step', 'adam_step']) assert.ok(s.launched.has(k), `${k} not launched`);
}));

test('reclaim() frees dead tensors\' device memory without waiting for finalizers', async () => {
  const v8 = await import('node:v8'), vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const g = globalThis as { gc?: () => void };
  const hadGc = !!g.gc;
  g.gc ??= vm.runInNewContext('gc') as () => void;
  const s = standIn();
  try {
    const keep = s.rt.alloc(1024);
    (() => { for (let i = 0; i < 10; i++) s.rt.alloc(4096); })();
    assert.equal(s.rt.liveBytes, 1024 + 10 * 4096);
    await new Promise((r) => setImmediate(r)); // WeakRefs made in a job hold their targets until it ends
    const freed = s.rt.reclaim();
    assert.equal(freed, 10 * 4096);
    assert.equal(s.rt.liveBytes, 1024);
    assert.ok(keep.ptr > 0);
  } finally {
    if (!hadGc) delete g.gc;
  }
});
