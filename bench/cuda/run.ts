// `node --import tsx bench/cuda/run.ts` (on a machine with an NVIDIA GPU): training samples/s
// of the engine on its CUDA backend (CudaTrainStep: everything on the device, fused SGD)
// against PyTorch CUDA, for the MLP, LeNet-5 and a ResNet-18-sized CNN at batch 64 and 256.
// Both sides train on synthetic data already on the GPU, SGD(lr 0.01, momentum 0.9),
// warm-up first, then the best of two rounds of about --seconds each; ratios printed.
//
// Options: --rows mlp:64,resnet18:256  --seconds S  --json FILE  --torch-script PATH
//          --tf32 (engine GEMMs on TF32 tensor cores; PyTorch keeps its defaults)  --no-torch
//          --trainer: the engine through the real Trainer instead (what Train Model runs: batches
//          uploaded from host memory, loss and metrics read back every step, NaN/Inf checks on)
// PyTorch: NEURAL_LENS_TORCH_PYTHON or python3 (with a CUDA build of torch).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cudaBackend, cudaSynchronize, setCudaTf32 } from '../../extension/engine/cuda/backend';
import { cudaStatus, cudaStatusLine } from '../../extension/engine/cuda/status';
import { DeviceTensor, upload } from '../../extension/engine/cuda/deviceTensor';
import { getRuntime } from '../../extension/engine/cuda/runtime';
import { CudaTrainStep } from '../../extension/engine/cuda/trainStep';
import { Rng } from '../../extension/engine/rng';
import { Tensor } from '../../extension/engine/tensor';
import { makeDataset } from '../../extension/datasets/dataset';
import { Trainer } from '../../extension/training/trainer';
import { buildModel, inputShape, type BenchModel } from './models';

interface Row { model: BenchModel; batch: number }
interface Result extends Row { samplesPerSec: number; finalLoss: number }

function args() {
  const o = { rows: 'mlp:64,mlp:256,lenet:64,lenet:256,resnet18:64,resnet18:256', seconds: 1.5, json: '', torchScript: path.join(__dirname, 'torch_cuda.py'), tf32: false, torch: true, trainer: false };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const v = () => a[++i] ?? '';
    if (a[i] === '--rows') o.rows = v();
    else if (a[i] === '--seconds') o.seconds = Number(v());
    else if (a[i] === '--json') o.json = v();
    else if (a[i] === '--torch-script') o.torchScript = v();
    else if (a[i] === '--tf32') o.tf32 = true;
    else if (a[i] === '--no-torch') o.torch = false;
    else if (a[i] === '--trainer') o.trainer = true;
    else throw new Error(`unknown option ${a[i]}`);
  }
  return { ...o, rowList: o.rows.split(',').map((r) => { const [m, b] = r.split(':'); return { model: m as BenchModel, batch: Number(b) }; }) };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

async function engineRow(row: Row, seconds: number): Promise<Result> {
  const rt = getRuntime(), rng = new Rng(5), nb = 16;
  const shape = [row.batch, ...inputShape(row.model)], per = shape.reduce((a, b) => a * b, 1);
  const X = Tensor.zeros('float32', [nb * per]);
  for (let i = 0; i < X.size; i++) X.data[i] = rng.next();
  const Y = Tensor.zeros('int64', [nb * row.batch]);
  for (let i = 0; i < Y.size; i++) Y.data[i] = Math.floor(rng.next() * 10);
  const Xd = upload(rt, X), Yd = upload(rt, Y);
  const xs = Array.from({ length: nb }, (_, i) => new DeviceTensor('float32', shape, Xd.buf.view(i * per * 4, per * 4)));
  const ys = Array.from({ length: nb }, (_, i) => new DeviceTensor('int64', [row.batch], Yd.buf.view(i * row.batch * 4, row.batch * 4)));
  const ts = new CudaTrainStep(buildModel(row.model), { name: 'sgd', lr: 0.01, momentum: 0.9 });
  let loss: Tensor | undefined;
  for (let i = 0; i < 10; i++) { loss = ts.step(xs[i % nb], ys[i % nb]); await tick(); }
  cudaSynchronize();
  let best = 0;
  for (let round = 0; round < 2; round++) {
    let steps = 0, dt = 0;
    const t0 = performance.now();
    for (;;) {
      loss = ts.step(xs[steps % nb], ys[steps % nb]);
      steps++;
      await tick(); // a new task per step: finalizers and the runtime's reclaim() can free dead tensors
      if (steps % 10 === 0) {
        cudaSynchronize();
        dt = (performance.now() - t0) / 1000;
        if (dt >= seconds) break;
      }
    }
    best = Math.max(best, (steps * row.batch) / dt);
  }
  return { ...row, samplesPerSec: best, finalLoss: loss!.data[0] };
}

/** The same row through the Trainer, with the data in host memory like a user's dataset. */
async function trainerRow(row: Row, seconds: number): Promise<Result> {
  const rng = new Rng(5), nb = 16, n = nb * row.batch;
  const X = Tensor.zeros('float32', [n, ...inputShape(row.model)]), Y = Tensor.zeros('int64', [n]);
  for (let i = 0; i < X.size; i++) X.data[i] = rng.next();
  for (let i = 0; i < n; i++) Y.data[i] = Math.floor(rng.next() * 10);
  const tr = new Trainer(buildModel(row.model), cudaBackend(), makeDataset(X, Y, 'bench', 10), {
    loss: 'cross-entropy', optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 }, batchSize: row.batch,
    steps: Number.MAX_SAFE_INTEGER, shuffle: false,
  });
  let loss = NaN;
  for (let i = 0; i < 10; i++) { loss = (await tr.trainStep()).loss; await tick(); }
  let best = 0;
  for (let round = 0; round < 2; round++) {
    let steps = 0, dt = 0;
    const t0 = performance.now();
    do { loss = (await tr.trainStep()).loss; steps++; await tick(); dt = (performance.now() - t0) / 1000; } while (dt < seconds);
    best = Math.max(best, (steps * row.batch) / dt);
  }
  return { ...row, samplesPerSec: best, finalLoss: loss };
}

function torchRows(script: string, rows: string, seconds: number): { header?: Record<string, unknown>; results: Result[]; error?: string } {
  const py = process.env.NEURAL_LENS_TORCH_PYTHON ?? 'python3';
  const r = spawnSync(py, [script, '--rows', rows, '--seconds', String(seconds)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return { results: [], error: `${py} ${script}: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' | ')}` };
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  return { header: lines[0], results: lines.slice(1) };
}

async function main() {
  const o = args();
  const s = cudaStatus();
  console.log(`engine CUDA: ${cudaStatusLine(s)}`);
  if (!s.available) { console.log('skipped: no CUDA here'); return; }
  cudaBackend();
  console.log(`engine GEMM: ${setCudaTf32(o.tf32) ? 'TF32 tensor cores (mma.m16n8k8)' : 'fp32 SIMT'}; ${o.trainer ? 'through the Trainer' : 'CudaTrainStep (all on the device)'}`);
  const engine: Result[] = [];
  for (const row of o.rowList) {
    try { engine.push(await (o.trainer ? trainerRow : engineRow)(row, o.seconds)); } catch (e) { console.log(`engine ${row.model}:${row.batch} failed: ${(e as Error).message}`); }
    console.log(`engine-cuda ${row.model} b${row.batch}: ${engine.at(-1)?.samplesPerSec.toFixed(0) ?? 'failed'} samples/s`);
    const prof = getRuntime().profile;
    if (prof) { // NEURAL_LENS_CUDA_PROFILE=1: where this row's GPU time went (warm-up and rounds)
      const rows = [...prof].sort((a, b) => b[1].ms - a[1].ms), total = rows.reduce((s, [, e]) => s + e.ms, 0);
      console.log(`  GPU time in kernels: ${total.toFixed(0)} ms (launches synchronised)`);
      for (const [k, e] of rows.slice(0, 30)) console.log(`  ${(100 * e.ms / total).toFixed(1).padStart(5)}%  ${e.ms.toFixed(1).padStart(8)} ms  ${String(e.n).padStart(6)}×  ${k}`);
      prof.clear();
    }
  }
  const torch = o.torch ? torchRows(o.torchScript, o.rows, o.seconds) : { results: [], error: 'skipped (--no-torch)' };
  if (torch.error) console.log(`PyTorch CUDA: ${torch.error}`);
  else console.log(`PyTorch CUDA: ${JSON.stringify(torch.header)}`);
  console.log('\nmodel      batch  engine-cuda/s  torch-cuda/s  ratio');
  for (const row of o.rowList) {
    const e = engine.find((r) => r.model === row.model && r.batch === row.batch);
    const t = torch.results.find((r) => r.model === row.model && r.batch === row.batch);
    const f = (v?: number) => (v === undefined ? '-' : v.toFixed(0)).padStart(13);
    console.log(`${row.model.padEnd(10)} ${String(row.batch).padStart(5)} ${f(e?.samplesPerSec)} ${f(t?.samplesPerSec)}  ${e && t ? (e.samplesPerSec / t.samplesPerSec).toFixed(2) + '×' : '-'}`);
  }
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ device: s.device, engine, torch }, null, 2));
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
