// Streaming datasets (inputs read per batch by file offset): bit-identical batches and training
// losses to the in-memory loaders (.npy, stored .npz, IDX, CSV, image folders), the automatic
// choice and its fallbacks, bounded memory on a 300 MB file, and the error messages.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { writeNpy } from '../../../extension/cli/tensorIO';
import { loadDataset, type DatasetSpec } from '../../../extension/datasets';
import { batchOf, fitInputShape, inputShape, splitDataset, type Dataset } from '../../../extension/datasets/dataset';
import { Rng } from '../../../extension/engine/rng';
import { Tensor } from '../../../extension/engine/tensor';
import type { EngineGraph } from '../../../extension/engine/graph';
import { graphFromModel } from '../../../extension/engine/graph';
import { cpuBackend } from '../../../extension/engine/cpu/backend';
import { readModelFileSync } from '../../../extension/onnx/reader';
import { Trainer, type TrainerConfig } from '../../../extension/training/trainer';
import { loadImageFolder } from '../../../extension/trainingUi/imageFolder';
import { encodePng } from '../../../extension/inference/imageInput';
import { run as trainCli } from '../../../extension/cli/train';

const repo = path.resolve(__dirname, '../../..');
const MLP = path.join(repo, 'media/samples/mnist-mlp.onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-stream-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Minimal zip writer (no CRC: the readers do not check it). */
function zip(entries: [string, Uint8Array, boolean][]): Uint8Array {
  const parts: Buffer[] = [], central: Buffer[] = [];
  let off = 0;
  for (const [name, data, deflate] of entries) {
    const body = deflate ? zlib.deflateRawSync(data) : Buffer.from(data);
    const nm = Buffer.from(name), extra = Buffer.alloc(7); // a local extra field, as some writers add
    extra.writeUInt16LE(0xcafe, 0); extra.writeUInt16LE(3, 2);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(nm.length, 26); local.writeUInt16LE(extra.length, 28);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0); cd.writeUInt16LE(deflate ? 8 : 0, 10); cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(data.length, 24); cd.writeUInt16LE(nm.length, 28); cd.writeUInt32LE(off, 42);
    parts.push(local, nm, extra, body); central.push(cd, nm);
    off += 30 + nm.length + extra.length + body.length;
  }
  const cdBuf = Buffer.concat(central), end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBuf.length, 12); end.writeUInt32LE(off, 16);
  return Buffer.concat([...parts, cdBuf, end]);
}

function randomImages(n: number, per: number, seed: number): { px: Uint8Array; labels: Int32Array } {
  const rng = new Rng(seed), px = new Uint8Array(n * per), labels = new Int32Array(n);
  for (let i = 0; i < px.length; i++) px[i] = rng.nextUint32() & 255;
  for (let i = 0; i < n; i++) labels[i] = rng.nextUint32() % 10;
  return { px, labels };
}

/** Every batch of two shuffled epochs (as the Trainer draws them) is bit-identical. */
function assertSameBatches(a: Dataset, b: Dataset, batch = 7): void {
  assert.equal(a.size, b.size);
  assert.deepEqual(inputShape(a), inputShape(b));
  assert.equal(a.numClasses, b.numClasses);
  const rng = new Rng(11);
  for (let epoch = 0; epoch < 2; epoch++) {
    const order = rng.permutation(a.size);
    for (let s = 0; s < a.size; s += batch) {
      const idx = order.subarray(s, Math.min(s + batch, a.size));
      const ba = batchOf(a, idx), bb = batchOf(b, idx);
      assert.deepEqual(ba.x.shape, bb.x.shape);
      assert.deepEqual(ba.x.data, bb.x.data);
      assert.equal(ba.y.dtype, bb.y.dtype);
      assert.deepEqual(ba.y.data, bb.y.data);
    }
  }
}

const mlpCfg: TrainerConfig = { loss: 'cross-entropy', optimizer: { name: 'adam', lr: 1e-3 }, batchSize: 16, steps: 5, seed: 3 };

/** Losses of a few steps (with a validation split, as the CLI does) and the validation loss. */
async function losses(ds: Dataset, graphOf: () => EngineGraph, cfg: TrainerConfig): Promise<number[]> {
  const graph = graphOf();
  const data = fitInputShape(ds, graph.inputs[0]?.shape?.slice(1));
  const { train, val } = splitDataset(data, 0.2, cfg.seed ?? 0);
  const t = new Trainer(graph, cpuBackend(), train, cfg, val);
  const out: number[] = [];
  for (let i = 0; i < (cfg.steps ?? 1); i++) out.push((await t.trainStep()).loss);
  out.push(t.evaluate(val).loss);
  return out;
}
const mlp = () => graphFromModel(readModelFileSync(MLP));

function both(spec: DatasetSpec): { mem: Dataset; str: Dataset } {
  const mem = loadDataset({ ...spec, stream: false }), str = loadDataset({ ...spec, stream: true });
  assert.equal(mem.rows, undefined);
  assert.ok(str.rows, `${spec.data} should stream (${str.note ?? ''})`);
  return { mem, str };
}

test('.npy pair streams: same batches and losses as in memory (uint8, float32, float64, int16)', { skip: !fs.existsSync(MLP) }, async () => {
  const n = 90, { px, labels } = randomImages(n, 784, 1);
  fs.writeFileSync(path.join(tmp, 'y.npy'), writeNpy({ dims: [n], elemType: 'int32', data: labels }));
  const variants: [string, Parameters<typeof writeNpy>[0]][] = [
    ['u8', { dims: [n, 28, 28], elemType: 'uint8', data: px }],
    ['f32', { dims: [n, 784], elemType: 'float32', data: Float32Array.from(px, (v) => v / 7) }],
    ['f64', { dims: [n, 784], elemType: 'float64', data: Float64Array.from(px, (v) => v / 3) }],
    ['i16', { dims: [n, 784], elemType: 'int16', data: Int16Array.from(px, (v) => v - 128) }],
  ];
  for (const [tag, t] of variants) {
    const f = path.join(tmp, `x-${tag}.npy`);
    fs.writeFileSync(f, writeNpy(t));
    const { mem, str } = both({ data: f, labels: path.join(tmp, 'y.npy') });
    assertSameBatches(mem, str);
    if (tag === 'u8' || tag === 'f32') assert.deepEqual(await losses(str, mlp, mlpCfg), await losses(mem, mlp, mlpCfg));
    // reading x of a streaming dataset loads it all, equal to the in-memory one
    assert.deepEqual(str.x.data, mem.x.data);
  }
});

test('.npz with stored x streams; deflated x falls back to memory with a note', { skip: !fs.existsSync(MLP) }, async () => {
  const n = 70, { px, labels } = randomImages(n, 784, 2);
  const x = writeNpy({ dims: [n, 784], elemType: 'float32', data: Float32Array.from(px, (v) => v / 255) });
  const y = writeNpy({ dims: [n], elemType: 'int64', data: BigInt64Array.from(labels, (v) => BigInt(v)) });
  const stored = path.join(tmp, 'stored.npz');
  fs.writeFileSync(stored, zip([['y.npy', y, true], ['x.npy', x, false]]));
  const { mem, str } = both({ data: stored });
  assertSameBatches(mem, str);
  assert.deepEqual(await losses(str, mlp, mlpCfg), await losses(mem, mlp, mlpCfg));

  const deflated = path.join(tmp, 'deflated.npz');
  fs.writeFileSync(deflated, zip([['x.npy', x, true], ['y.npy', y, false]]));
  const d = loadDataset({ data: deflated, stream: true });
  assert.equal(d.rows, undefined);
  assert.match(d.note ?? '', /compressed \(deflated\)/);
  assertSameBatches(mem, d);
});

test('MNIST IDX streams when uncompressed; gzip falls back to memory with a note', { skip: !fs.existsSync(MLP) }, async () => {
  const n = 60, { px, labels } = randomImages(n, 784, 3);
  const img = Buffer.alloc(16 + px.length);
  img.writeUInt32BE(0x00000803, 0); img.writeUInt32BE(n, 4); img.writeUInt32BE(28, 8); img.writeUInt32BE(28, 12);
  img.set(px, 16);
  const lab = Buffer.alloc(8 + n);
  lab.writeUInt32BE(0x00000801, 0); lab.writeUInt32BE(n, 4); lab.set(labels, 8);
  const f = path.join(tmp, 'train-images-idx3-ubyte'), l = path.join(tmp, 'train-labels-idx1-ubyte');
  fs.writeFileSync(f, img); fs.writeFileSync(l, lab);
  const { mem, str } = both({ data: f, labels: l });
  assert.deepEqual(inputShape(str), [n, 28, 28]);
  assertSameBatches(mem, str);
  assert.deepEqual(await losses(str, mlp, mlpCfg), await losses(mem, mlp, mlpCfg));
  fs.writeFileSync(f + '.gz', zlib.gzipSync(img));
  const gz = loadDataset({ data: f + '.gz', labels: l, stream: true });
  assert.equal(gz.rows, undefined);
  assert.match(gz.note ?? '', /gzip/);
  assertSameBatches(mem, gz);
});

/** x [N, F] → logits [N, C] = x·W + b. */
function linear(f: number, c: number): () => EngineGraph {
  return () => {
    const rng = new Rng(5);
    return {
      nodes: [
        { name: 'mm', opType: 'MatMul', domain: '', inputs: ['x', 'W'], outputs: ['h'], attrs: {} },
        { name: 'add', opType: 'Add', domain: '', inputs: ['h', 'b'], outputs: ['logits'], attrs: {} },
      ],
      inputs: [{ name: 'x', shape: ['N', f] }], outputs: ['logits'],
      initializers: new Map([
        ['W', Tensor.from('float32', [f, c], Array.from({ length: f * c }, () => rng.normal() * 0.3))],
        ['b', Tensor.from('float32', [c], new Array(c).fill(0))],
      ]),
      params: new Set(['W', 'b']), opset: 17,
    } as unknown as EngineGraph;
  };
}

test('CSV streams by a line index: same batches (class, one-hot, value, standardized) and losses', async () => {
  const rng = new Rng(7), lines = ['a,b,"c, quoted",label'];
  for (let i = 0; i < 150; i++) {
    lines.push(`${(rng.next() * 10).toFixed(3)},${Math.round(rng.normal() * 100)},${rng.normal().toExponential(4)},${['cat', 'dog', 'emu'][rng.nextUint32() % 3]}`);
    if (i % 37 === 0) lines.push('   '); // blank lines are skipped
  }
  const f = path.join(tmp, 'd.csv');
  fs.writeFileSync(f, lines.join('\r\n') + '\r\n');
  for (const csv of [{}, { standardize: true }, { labels: 'onehot' as const, standardize: true }, { labelColumn: 'label', labels: 'class' }]) {
    const { mem, str } = both({ data: f, csv: csv as never });
    assertSameBatches(mem, str, 9);
  }
  const num = path.join(tmp, 'num.csv');
  fs.writeFileSync(num, lines.map((l) => l.replace(/,[a-z]+$/, '')).join('\n'));
  const v = both({ data: num, csv: { labelColumn: 'a', labels: 'value', standardize: true } });
  assertSameBatches(v.mem, v.str, 9);
  const { mem, str } = both({ data: f, csv: { standardize: true } });
  const cfg: TrainerConfig = { ...mlpCfg, optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 }, steps: 8 };
  const a = await losses(str, linear(3, 3), cfg), b = await losses(mem, linear(3, 3), cfg);
  assert.deepEqual(a, b);
  assert.ok(a.every(Number.isFinite));
});

test('image folders decode per batch when streaming (nothing decoded up front)', () => {
  const dir = path.join(tmp, 'imgs'), rng = new Rng(9);
  for (const c of ['cats', 'dogs']) {
    fs.mkdirSync(path.join(dir, c), { recursive: true });
    for (let i = 0; i < 5; i++) {
      const data = new Uint8Array(8 * 8 * 4);
      for (let k = 0; k < data.length; k++) data[k] = k % 4 === 3 ? 255 : rng.nextUint32() & 255;
      fs.writeFileSync(path.join(dir, c, `${i}.png`), encodePng({ width: 8, height: 8, data }));
    }
  }
  const dims = ['N', 1, 8, 8] as const;
  const mem = loadImageFolder(dir, 'x', dims, { stream: false });
  const str = loadImageFolder(dir, 'x', dims, { stream: true });
  assert.ok(str.rows && !mem.rows);
  assertSameBatches(mem, str, 3);
  // a broken file fails only the batch that holds it
  fs.writeFileSync(path.join(dir, 'dogs', '9.png'), 'not a png');
  const lazy = loadImageFolder(dir, 'x', dims, { stream: true });
  assert.throws(() => batchOf(lazy, [lazy.size - 1]));
  assert.equal(batchOf(lazy, [0, 1]).x.shape[0], 2);
  assert.throws(() => loadImageFolder(dir, 'x', dims, { stream: false }));
});

test('automatic choice: files from the threshold up stream, smaller ones load', () => {
  const n = 20;
  const x = path.join(tmp, 'auto-x.npy'), y = path.join(tmp, 'auto-y.npy');
  fs.writeFileSync(x, writeNpy({ dims: [n, 4], elemType: 'float32', data: new Float32Array(n * 4) }));
  fs.writeFileSync(y, writeNpy({ dims: [n], elemType: 'int32', data: new Int32Array(n) }));
  const size = fs.statSync(x).size;
  assert.equal(loadDataset({ data: x, labels: y }).rows, undefined);
  assert.ok(loadDataset({ data: x, labels: y, streamThresholdBytes: size }).rows);
  assert.equal(loadDataset({ data: x, labels: y, streamThresholdBytes: size + 1 }).rows, undefined);
  // Fortran order cannot stream: in memory, with the reason
  const fortran = Buffer.from(writeNpy({ dims: [n, 4], elemType: 'float32', data: new Float32Array(n * 4) }));
  const h = fortran.indexOf("'fortran_order': False");
  fortran.write("'fortran_order': True, ", h, 'latin1');
  const ff = path.join(tmp, 'fortran.npy');
  fs.writeFileSync(ff, fortran);
  const fd = loadDataset({ data: ff, labels: y, stream: true });
  assert.equal(fd.rows, undefined);
  assert.match(fd.note ?? '', /Fortran order/);
});

test('errors: truncated .npy, label count mismatch, bad CSV row (line number)', () => {
  const y = path.join(tmp, 'err-y.npy');
  fs.writeFileSync(y, writeNpy({ dims: [10], elemType: 'int32', data: new Int32Array(10) }));
  const full = writeNpy({ dims: [10, 4], elemType: 'float32', data: new Float32Array(40) });
  const cut = path.join(tmp, 'cut.npy');
  fs.writeFileSync(cut, full.subarray(0, full.length - 12));
  assert.throws(() => loadDataset({ data: cut, labels: y, stream: true }), /cut\.npy is truncated: it holds 148 data bytes; shape \(10, 4\) needs 160/);
  assert.throws(() => loadDataset({ data: cut, labels: y, stream: false }), /cut\.npy/);

  const x9 = path.join(tmp, 'x9.npy');
  fs.writeFileSync(x9, writeNpy({ dims: [9, 4], elemType: 'float32', data: new Float32Array(36) }));
  for (const stream of [true, false]) assert.throws(() => loadDataset({ data: x9, labels: y, stream }), /9 inputs but 10 targets/);

  const bad = path.join(tmp, 'bad.csv');
  fs.writeFileSync(bad, 'a,b,label\n1,2,x\n\n3,oops,y\n');
  for (const stream of [true, false]) assert.throws(() => loadDataset({ data: bad, stream }), /bad\.csv: line 4, column "b": "oops" is not a number/);
  fs.writeFileSync(bad, 'a,b,label\n1,2,x\n3,4\n');
  for (const stream of [true, false]) assert.throws(() => loadDataset({ data: bad, stream }), /line 3 has 2 fields, header has 3/);
});

test('train CLI: --stream and --no-stream give the same step losses; both together are refused', { skip: !fs.existsSync(MLP) }, async () => {
  await assert.rejects(trainCli([MLP, '--data', 'mnist-sample', '--stream', '--no-stream']), /exclude each other/);
  const n = 50, { px, labels } = randomImages(n, 784, 4);
  const x = path.join(tmp, 'cli-x.npy'), y = path.join(tmp, 'cli-y.npy');
  fs.writeFileSync(x, writeNpy({ dims: [n, 784], elemType: 'uint8', data: px }));
  fs.writeFileSync(y, writeNpy({ dims: [n], elemType: 'int32', data: labels }));
  const stepLosses = async (flag: string) => {
    const log = path.join(tmp, `cli${flag}.jsonl`);
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write; // the summary line
    try {
      assert.equal(await trainCli([MLP, '--data', x, '--labels', y, flag, '--steps', '4', '--batch-size', '8', '--log-jsonl', log]), 0);
    } finally { process.stdout.write = write; }
    return fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { loss?: number; valLoss?: number });
  };
  const a = await stepLosses('--stream'), b = await stepLosses('--no-stream');
  assert.equal(a.filter((r) => r.loss !== undefined).length, 4);
  assert.deepEqual(a.map((r) => r.loss ?? r.valLoss), b.map((r) => r.loss ?? r.valLoss));
});

test('a 300 MB .npy trains a few steps with memory growth far below its size', { skip: !fs.existsSync(MLP) }, async () => {
  const per = 784, n = Math.ceil(300e6 / (per * 4));
  const f = path.join(tmp, 'big-x.npy'), yf = path.join(tmp, 'big-y.npy');
  // header of a [n, 784] float32 array, then a sparse (hole) body with a few non-zero rows
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${per}), }`;
  dict += ' '.repeat((64 - ((10 + dict.length + 1) % 64)) % 64) + '\n';
  const header = '\x93NUMPY\x01\x00' + String.fromCharCode(dict.length & 255, dict.length >> 8) + dict;
  const fd = fs.openSync(f, 'w');
  try {
    fs.writeSync(fd, Buffer.from(header, 'latin1'));
    fs.ftruncateSync(fd, header.length + n * per * 4);
    const row = Float32Array.from({ length: per }, (_, i) => (i % 10) / 10);
    for (let r = 0; r < n; r += 997) fs.writeSync(fd, new Uint8Array(row.buffer), 0, row.byteLength, header.length + r * per * 4);
  } finally { fs.closeSync(fd); }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % 10;
  fs.writeFileSync(yf, writeNpy({ dims: [n], elemType: 'int32', data: labels }));
  assert.ok(fs.statSync(f).size > 300e6);

  global.gc?.();
  const rss0 = process.memoryUsage().rss, heap0 = process.memoryUsage().heapUsed;
  const ds = loadDataset({ data: f, labels: yf, streamThresholdBytes: 256 * 2 ** 20 });
  assert.ok(ds.rows, 'auto mode streams above the threshold');
  const graph = mlp();
  const { train } = splitDataset(fitInputShape(ds, graph.inputs[0]?.shape?.slice(1)), 0.1, 0);
  const t = new Trainer(graph, cpuBackend(), train, { ...mlpCfg, batchSize: 64, steps: 6 });
  for (let i = 0; i < 6; i++) assert.ok(Number.isFinite((await t.trainStep()).loss));
  const rss = process.memoryUsage().rss - rss0, heap = process.memoryUsage().heapUsed - heap0;
  if (process.env.NL_STREAM_DEBUG) console.log({ rss, heap, size: fs.statSync(f).size });
  assert.ok(rss < 80 * 2 ** 20, `rss grew ${Math.round(rss / 2 ** 20)} MB`);
  assert.ok(heap < 40 * 2 ** 20, `heap grew ${Math.round(heap / 2 ** 20)} MB`);
  fs.rmSync(f); fs.rmSync(yf);
});
