// The glue between the TypeScript kernels and the CUDA sources, checked without a GPU: every
// op case runs forward and backward on the CUDA backend over a stand-in addon that keeps
// "device" memory in host buffers and, at each launch, checks that the kernel exists in
// native/cuda/kernels, that the argument signature matches its parameter list (count and
// pointer/int/int64/float kinds), and that every pointer lies inside a live allocation.
// It proves the marshalling, not the arithmetic (that needs the GPU: cudaParity.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CudaRuntime, kernelSource, setRuntimeForTests } from '../../../extension/engine/cuda/runtime';
import type { AddonStatus, CudaAddon } from '../../../extension/engine/cuda/addon';
import { cudaBackend } from '../../../extension/engine/cuda/backend';
import { opCases, runCase, seedsFor } from './opCases';
import { cpuBackend } from '../../../extension/engine/cpu/backend';

/** kernel name → signature chars, parsed from the CUDA sources. */
function kernelSignatures(): Map<string, string> {
  const src = kernelSource().source, out = new Map<string, string>();
  const re = /NL_EXTERN\s+void\s+(?:__launch_bounds__\(\d+\)\s*)?(\w+)\s*\(([^)]*)\)/g;
  for (const m of src.matchAll(re)) {
    const sig = m[2].split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
      if (p.includes('*')) return 'p';
      if (/\blong long\b/.test(p)) return 'l';
      if (/\bfloat\b/.test(p)) return 'f';
      if (/\bint\b/.test(p)) return 'i';
      throw new Error(`cannot classify parameter "${p}" of ${m[1]}`);
    }).join('');
    out.set(m[1], sig);
  }
  return out;
}

function standIn() {
  const sigs = kernelSignatures();
  const allocs = new Map<number, Uint8Array>();
  const names: string[] = [];
  const launched = new Set<string>();
  let next = 0x10000;
  const errors: string[] = [];
  const view = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const inside = (p: number) => { for (const [b, m] of allocs) if (p >= b && p < b + m.length) return true; return false; };
  const addon: CudaAddon = {
    status: () => ({ available: true, reason: '', asyncAlloc: true, graphs: true, smCount: 132 }),
    compile: () => 0,
    getFunction: (_m, name) => { if (!sigs.has(name)) throw new Error(`no kernel ${name} in the sources`); names.push(name); return names.length - 1; },
    alloc: (bytes) => { const p = next; next += Math.ceil(bytes / 256) * 256 + 256; allocs.set(p, new Uint8Array(bytes)); return p; },
    free: (p) => { allocs.delete(p); },
    upload: (p, src) => { const m = allocs.get(p); if (!m || m.length < src.byteLength) throw new Error('upload outside an allocation'); m.set(view(src)); },
    download: (dst, p) => { const m = allocs.get(p); if (!m || m.length < dst.byteLength) throw new Error('download outside an allocation'); view(dst).set(m.subarray(0, dst.byteLength)); },
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
  return { rt: new CudaRuntime(addon, info), errors, launched, sigs };
}

test('every CUDA kernel launch matches its kernel (stand-in addon, no GPU)', () => {
  const s = standIn();
  setRuntimeForTests(s.rt);
  try {
    const backend = cudaBackend();
    const failures: string[] = [];
    for (const c of opCases()) {
      try {
        const seeds = seedsFor(runCase(cpuBackend(), c, undefined).shapes);
        runCase(backend, c, seeds);
      } catch (e) {
        failures.push(`${c.op} ${c.name ?? ''}: ${(e as Error).message}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.deepEqual([...new Set(s.errors)], []);
    // the optimizers are not ops: launch them too
    const unlaunched = [...s.sigs.keys()].filter((k) => !s.launched.has(k));
    assert.deepEqual(unlaunched.filter((k) => !['sgd_step', 'adam_step', 'cast_f32_i32', 'cast_i32_f32', 'fill_f32', 'where_flat'].includes(k)), []);
  } finally {
    setRuntimeForTests(undefined);
  }
});

test('the fused optimizers launch with matching arguments (stand-in addon)', async () => {
  const s = standIn();
  setRuntimeForTests(s.rt);
  try {
    const { DeviceOptimizer } = await import('../../../extension/engine/cuda/optim');
    const { Tensor } = await import('../../../extension/engine/tensor');
    for (const cfg of [{ name: 'sgd', lr: 0.1, momentum: 0.9 }, { name: 'adamw', lr: 1e-3 }] as const) {
      const opt = new DeviceOptimizer({ ...cfg });
      let p = new Map([['w', Tensor.from('float32', [4], [1, 2, 3, 4])]]);
      for (let i = 0; i < 2; i++) p = opt.step(p, new Map([['w', Tensor.from('float32', [4], [1, 1, 1, 1])]]), cfg.lr) as typeof p;
    }
    assert.deepEqual(s.errors, []);
    assert.ok(s.launched.has('sgd_step') && s.launched.has('adam_step'));
  } finally {
    setRuntimeForTests(undefined);
  }
});
