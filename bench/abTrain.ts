// A/B timing of the engine's training step between two checkouts (engine only, no
// PyTorch), rounds alternating in one process so both see the same machine load:
//   node --import tsx bench/abTrain.ts <rootA> <rootB> [rounds] [seconds] [only]
// `only` keeps the configs whose label contains it (e.g. "mlp b256 1T").
// Uses each root's bench/train.ts and media/samples models (mnist-mlp, mnist-cnn).
import os from 'node:os';
import path from 'node:path';

const [rootA, rootB] = [process.argv[2], process.argv[3]].map((r) => path.resolve(r));
const rounds = Number(process.argv[4] ?? 8), seconds = Number(process.argv[5] ?? 0.4), only = process.argv[6] ?? '';
const n = 4096;
const x = new Float32Array(n * 784), y = new Int32Array(n);
let s = 12345;
for (let i = 0; i < x.length; i++) { s = (s * 1103515245 + 12345) >>> 0; x[i] = (s >>> 8) / (1 << 24); }
for (let i = 0; i < n; i++) y[i] = i % 10;

const configs = [
  { file: 'mnist-mlp.onnx', model: 'mlp', batch: 64, threads: 1 },
  { file: 'mnist-mlp.onnx', model: 'mlp', batch: 256, threads: 1 },
  { file: 'mnist-cnn.onnx', model: 'lenet', batch: 64, threads: 1 },
  { file: 'mnist-mlp.onnx', model: 'mlp', batch: 64, threads: 2 },
  { file: 'mnist-mlp.onnx', model: 'mlp', batch: 256, threads: 2 },
  { file: 'mnist-cnn.onnx', model: 'lenet', batch: 64, threads: 2 },
] as const;

async function main(): Promise<void> {
  const mods = await Promise.all([rootA, rootB].map((r) => import(path.join(r, 'bench/train.ts'))));
  console.log(`A = ${rootA}\nB = ${rootB}\nload average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  console.log('config                 A median   B median   B/A    (samples/s, rounds alternate)');
  for (const c of configs) {
    if (!`${c.model} b${c.batch} ${c.threads}T`.includes(only)) continue;
    const runs = await Promise.all(mods.map((m, k) => m.engineRun(path.join(k ? rootB : rootA, 'media/samples', c.file),
      { model: c.model, batch: c.batch, threads: c.threads }, { x, y, n }, { lr: 0.01, momentum: 0.9 })));
    const got: number[][] = [[], []];
    for (let r = 0; r < rounds; r++) for (const k of r % 2 ? [1, 0] : [0, 1]) got[k].push(await runs[k].round(seconds));
    const med = got.map((v) => [...v].sort((a, b) => a - b)[v.length >> 1]);
    console.log(`${`${c.model} b${c.batch} ${c.threads}T`.padEnd(22)} ${med[0].toFixed(0).padStart(8)}   ${med[1].toFixed(0).padStart(8)}   ${(med[1] / med[0]).toFixed(3)}`);
  }
  console.log(`load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
}
void main();
