// Where a training step's time goes: trains an ONNX model on random data with the real
// Trainer and prints samples/s plus the time per kernel (wrapping the backend) and the
// time outside kernels (executor, loss, optimizer, norms).
//   node --import tsx bench/profileStep.ts MODEL.onnx [--batch 64] [--threads 1] [--seconds 2] [--no-kernels] [--by-shape]
// --by-shape splits GEMM time by call (transposes and M x N x K), to compare each with its speed alone.
import type { Backend } from '../extension/engine/backend';
import { cpuBackend } from '../extension/engine/cpu/backend';
import { setGemmThreads } from '../extension/engine/cpu/gemm';
import { graphFromModel } from '../extension/engine/graph';
import type { KernelName } from '../extension/engine/kernelNames';
import { Tensor } from '../extension/engine/tensor';
import { makeDataset } from '../extension/datasets/dataset';
import { readModelFileSync } from '../extension/onnx/reader';
import { Trainer } from '../extension/training/trainer';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def; };
const file = args[0];
const batch = opt('--batch', 64), threads = opt('--threads', 1), seconds = opt('--seconds', 2);
const perKernel = !args.includes('--no-kernels'), byShape = args.includes('--by-shape');

setGemmThreads(threads);
const graph = graphFromModel(readModelFileSync(file));
const shape = (graph.inputs[0].shape ?? []).slice(1).map((d) => (typeof d === 'number' ? d : 1));
const per = shape.reduce((a, b) => a * b, 1), n = batch * 32;
const x = new Float32Array(n * per);
for (let i = 0; i < x.length; i++) x[i] = Math.random();
const y = new Float64Array(n);
for (let i = 0; i < n; i++) y[i] = i % 10;

const inner = cpuBackend(threads);
const times = new Map<string, number>();
/** the key a kernel call's time is summed under: its name, or with --by-shape a GEMM's transposes and M x N x K */
function key(k: KernelName, i: Tensor[], a?: object): string {
  if (!byShape || (k !== 'Gemm' && k !== 'MatMul') || i[0].rank !== 2 || i[1].rank !== 2) return k;
  const { transA = false, transB = false } = (a ?? {}) as { transA?: boolean; transB?: boolean };
  const [a0, a1] = i[0].shape, [b0, b1] = i[1].shape;
  const M = transA ? a1 : a0, K = transA ? a0 : a1, N = transB ? b0 : b1;
  return `${k} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} ${M}x${N}x${K}${i[2] ? ' +bias' : ''}`;
}
const backend: Backend = perKernel ? {
  name: inner.name, threads,
  run(k: KernelName, i: Tensor[], a?: object) { const t = performance.now(); const r = inner.run(k, i, a); const n = key(k, i, a); times.set(n, (times.get(n) ?? 0) + performance.now() - t); return r; },
  runMulti(k: KernelName, i: Tensor[], a?: object) { const t = performance.now(); const r = inner.runMulti(k, i, a); times.set(k, (times.get(k) ?? 0) + performance.now() - t); return r; },
} : inner;

const trainer = new Trainer(graph, backend, makeDataset(new Tensor('float32', [n, ...shape], x), new Tensor('int64', [n], y), 'random', 10), {
  loss: 'cross-entropy', optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 }, batchSize: batch,
  steps: Number.MAX_SAFE_INTEGER, shuffle: false, checkFinite: false,
});

void (async () => {
  for (let i = 0; i < 20; i++) await trainer.trainStep();
  times.clear();
  let steps = 0;
  const c0 = process.cpuUsage(), m0 = mainThreadCpuMs(), f0 = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) { await trainer.trainStep(); steps++; }
  const ms = performance.now() - t0;
  const cu = process.cpuUsage(c0), cpuMs = (cu.user + cu.system) / 1000, mainMs = mainThreadCpuMs() - m0;
  // page faults in steady state mean fresh memory each step (the OS zeroes every new page)
  const faults = process.resourceUsage().minorPageFault - f0;
  // CPU time (all threads of the process) is steadier than wall time on a shared machine
  console.log(`${file} batch ${batch} threads ${threads}: ${((steps * batch) / (ms / 1000)).toFixed(0)} samples/s wall, `
    + `${((steps * batch) / (cpuMs / 1000)).toFixed(0)} per CPU-second; ${(ms / steps).toFixed(3)} ms/step wall, ${(cpuMs / steps).toFixed(3)} ms CPU (all threads), ${(mainMs / steps).toFixed(3)} ms main-thread CPU = ${((steps * batch) / (mainMs / 1000)).toFixed(0)} samples per main-thread CPU-second; ${(faults / steps).toFixed(1)} page faults/step`);
  if (!perKernel) return;
  let inKernels = 0;
  for (const [k, t] of [...times].sort((a, b) => b[1] - a[1])) {
    inKernels += t;
    const m = /(\d+)x(\d+)x(\d+)/.exec(k), gflops = m ? (2 * Number(m[1]) * Number(m[2]) * Number(m[3]) * steps) / (t * 1e6) : 0;
    console.log(`  ${k.padEnd(30)} ${(t / steps).toFixed(3)} ms/step${m ? `  ${gflops.toFixed(1)} GFLOP/s` : ''}`);
  }
  console.log(`  ${'(outside kernels)'.padEnd(30)} ${((ms - inKernels) / steps).toFixed(3)} ms/step`);
})();

/** CPU time of the main thread (Linux /proc, 10 ms ticks): unlike wall time, other processes on the machine do not inflate it. */
function mainThreadCpuMs(): number {
  try {
    const f = require('node:fs').readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8') as string;
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch { return NaN; }
}
