// Every op's forward and backward on the CUDA backend against the CPU backend (the
// reference), in float32: one-node graphs through the real Executor, the same inputs and the
// same output seeds on both. Skips with the reason where CUDA is unavailable.
//
// Tolerance (fp32 kernels): |cuda − cpu| ≤ 1e-4 · max(|cpu|, 1e-2 · max|cpu over the tensor|):
// 1e-4 relative, with a floor for entries that cancel to near zero (summation order differs).
// The TF32 tensor-core GEMM (opt-in) is checked separately: 1e-2 · max(|cpu|, 0.1 · max|cpu|).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuBackend } from '../../../extension/engine/cpu/backend';
import { Rng } from '../../../extension/engine/rng';
import { Tensor } from '../../../extension/engine/tensor';
import { cudaStatus } from '../../../extension/engine/cuda/status';
import { compare, opCases, runCase, seedsFor, TF32_RTOL } from './opCases';

const status = cudaStatus();
const skip = status.available ? false : status.reason;
const rng = new Rng(777);
const R = (n: number) => { const t = Tensor.zeros('float32', [n]); for (let i = 0; i < t.size; i++) t.data[i] = rng.next() * 2 - 1; return t; };

for (const c of opCases()) {
  test(`cuda = cpu: ${c.op} ${c.name ?? JSON.stringify(c.attrs ?? {})}`, { skip }, async () => {
    const { cudaBackend } = await import('../../../extension/engine/cuda/backend');
    const seeds = seedsFor(runCase(cpuBackend(), c, undefined).shapes);
    const ref = runCase(cpuBackend(), c, seeds), got = runCase(cudaBackend(), c, seeds);
    const errs: string[] = [];
    for (const [n, want] of ref.outs) errs.push(compare(`output ${n}`, got.outs.get(n) ?? new Float32Array(), want));
    for (const [n, want] of ref.grads) errs.push(compare(`grad ${n}`, got.grads.get(n) ?? new Float32Array(), want));
    assert.equal(errs.filter((e) => e).join('; '), '');
  });
}

/** A copy rounded to TF32's 10-bit mantissa (round half away from zero, as cvt.rna.tf32.f32). */
function tf32Exact(t: Tensor): Tensor {
  const out = t.clone(), bits = new Uint32Array((out.data as Float32Array).buffer, (out.data as Float32Array).byteOffset, out.size);
  for (let i = 0; i < bits.length; i++) bits[i] = (bits[i] + 0x1000) & ~0x1fff;
  return out;
}

// The GEMM-based ops again on the TF32 tensor-core kernel (sm_80+), with the TF32 tolerance.
for (const c of opCases().filter((c) => ['Gemm', 'MatMul', 'Conv', 'ConvTranspose'].includes(c.op))) {
  test(`cuda tf32 ≈ cpu: ${c.op} ${c.name ?? JSON.stringify(c.attrs ?? {})}`, { skip }, async (t) => {
    const { cudaBackend, setCudaTf32 } = await import('../../../extension/engine/cuda/backend');
    const b = cudaBackend();
    if (!setCudaTf32(true)) { setCudaTf32(false); t.skip('TF32 needs sm_80+'); return; }
    try {
      // A fused ReLU's gradient mask is the sign of the pre-activation: TF32 rounding flips it
      // wherever that lands within ~1e-3 of zero, a real difference of a whole seed value per
      // flip, not a kernel error. Inputs already exact in TF32 keep the forward products exact
      // (only the summation order differs, as in fp32); the backward GEMMs still round.
      const tc = c.attrs?.__activation ? { ...c, inputs: c.inputs.map((x) => x && tf32Exact(x)) } : c;
      const seeds = seedsFor(runCase(cpuBackend(), tc, undefined).shapes);
      const ref = runCase(cpuBackend(), tc, seeds), got = runCase(b, tc, seeds);
      const errs: string[] = [];
      for (const [n, want] of ref.outs) errs.push(compare(`output ${n}`, got.outs.get(n) ?? new Float32Array(), want, TF32_RTOL, 0.1));
      for (const [n, want] of ref.grads) errs.push(compare(`grad ${n}`, got.grads.get(n) ?? new Float32Array(), want, TF32_RTOL, 0.1));
      assert.equal(errs.filter((e) => e).join('; '), '');
    } finally {
      setCudaTf32(false);
    }
  });
}

// the fused optimizers against the CPU optimizers, 5 steps each
for (const cfg of [
  { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 },
  { name: 'sgd', lr: 0.05 },
  { name: 'adam', lr: 1e-3, weightDecay: 1e-2 },
  { name: 'adamw', lr: 1e-3 },
] as const) {
  test(`cuda = cpu: optimizer ${JSON.stringify(cfg)}`, { skip }, async () => {
    const { makeOptimizer } = await import('../../../extension/training/optimizers');
    const { DeviceOptimizer } = await import('../../../extension/engine/cuda/optim');
    const { cudaBackend } = await import('../../../extension/engine/cuda/backend');
    cudaBackend();
    const p0 = R(1000), cpu = makeOptimizer({ ...cfg }), dev = new DeviceOptimizer({ ...cfg });
    const pc = new Map([['w', Float32Array.from(p0.data)]]);
    let pd = new Map<string, Tensor>([['w', p0.clone()]]);
    for (let s = 0; s < 5; s++) {
      const g = R(1000);
      cpu.step(pc, new Map([['w', g.data as Float32Array]]), cfg.lr);
      pd = dev.step(pd, new Map([['w', g]]), cfg.lr);
    }
    assert.equal(compare('w', Float32Array.from(pd.get('w')!.data), pc.get('w')!), '');
  });
}

test('CUDA Graphs: capture and replay a chain of kernels', { skip }, async () => {
  const { getRuntime } = await import('../../../extension/engine/cuda/runtime');
  const r = getRuntime();
  if (!r.info.graphs) return;
  const n = 4096, buf = r.zeros(n * 4);
  r.addon.graphBegin();
  for (let i = 0; i < 10; i++) r.launch1d('unary', n, 'ippl' + 'fff', [13 /* Clip */, buf.ptr, buf.ptr, n, 0, -1e30, i + 1]);
  r.launch1d('fill_f32', n, 'plf', [buf.ptr, n, 0]);
  r.launch1d('binary_flat', n, 'ipppli', [0, buf.ptr, buf.ptr, buf.ptr, n, 0]); // 0 + 0
  const g = r.addon.graphEnd();
  r.launch1d('fill_f32', n, 'plf', [buf.ptr, n, 3]);
  for (let k = 0; k < 3; k++) r.addon.graphLaunch(g);
  const out = new Float32Array(n);
  r.addon.download(out, buf.ptr);
  r.addon.graphDestroy(g);
  assert.ok(out.every((v) => v === 0));
});
