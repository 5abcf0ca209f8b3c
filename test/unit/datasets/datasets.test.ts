// Dataset loaders: .npz (stored and deflated entries), .npy pairs, CSV, MNIST IDX (gz or
// not), the bundled mnist-sample, and the seeded split.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { writeNpy } from '../../../extension/cli/tensorIO';
import { loadDataset } from '../../../extension/datasets';
import { readCsv } from '../../../extension/datasets/csv';
import { readIdx } from '../../../extension/datasets/idx';
import { loadMnistSample } from '../../../extension/datasets/mnistSample';
import { batchOf, makeDataset, splitDataset } from '../../../extension/datasets/dataset';
import { Rng } from '../../../extension/engine/rng';
import { Tensor } from '../../../extension/engine/tensor';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-ds-'));

/** Minimal zip writer (no CRC: the reader does not check it). */
function zip(entries: [string, Uint8Array, boolean][]): Uint8Array {
  const parts: Buffer[] = [], central: Buffer[] = [];
  let off = 0;
  for (const [name, data, deflate] of entries) {
    const body = deflate ? zlib.deflateRawSync(data) : Buffer.from(data);
    const nm = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(nm.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0); cd.writeUInt16LE(deflate ? 8 : 0, 10); cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(data.length, 24); cd.writeUInt16LE(nm.length, 28); cd.writeUInt32LE(off, 42);
    parts.push(local, nm, body); central.push(cd, nm);
    off += 30 + nm.length + body.length;
  }
  const cdBuf = Buffer.concat(central), end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBuf.length, 12); end.writeUInt32LE(off, 16);
  return Buffer.concat([...parts, cdBuf, end]);
}

test('.npz with x and y (stored + deflated)', () => {
  const x = writeNpy({ dims: [3, 2], elemType: 'float32', data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
  const y = writeNpy({ dims: [3], elemType: 'int64', data: BigInt64Array.from([0n, 2n, 1n]) });
  const f = path.join(tmp, 'd.npz');
  fs.writeFileSync(f, zip([['x.npy', x, false], ['y.npy', y, true]]));
  const ds = loadDataset({ data: f });
  assert.deepEqual(ds.x.shape, [3, 2]);
  assert.deepEqual(Array.from(ds.y.data), [0, 2, 1]);
  assert.equal(ds.y.dtype, 'int64');
  assert.equal(ds.numClasses, 3);
});

test('.npy pair, uint8 inputs scaled to [0,1]', () => {
  fs.writeFileSync(path.join(tmp, 'x.npy'), writeNpy({ dims: [2, 2], elemType: 'uint8', data: Uint8Array.from([0, 255, 51, 102]) }));
  fs.writeFileSync(path.join(tmp, 'y.npy'), writeNpy({ dims: [2], elemType: 'int32', data: Int32Array.from([1, 0]) }));
  const ds = loadDataset({ data: path.join(tmp, 'x.npy'), labels: path.join(tmp, 'y.npy') });
  assert.deepEqual(Array.from(ds.x.data), [0, 1, 0.2, 0.4].map(Math.fround));
  assert.equal(ds.y.dtype, 'int64');
});

test('CSV: label column, class indices, one-hot, standardization', () => {
  const text = 'a,b,label\n1,10,cat\n2,20,dog\n3,30,cat\n';
  const ds = readCsv(text, 't.csv');
  assert.deepEqual(Array.from(ds.y.data), [0, 1, 0]);
  assert.deepEqual(ds.x.shape, [3, 2]);
  const oh = readCsv(text, 't.csv', { labels: 'onehot' });
  assert.deepEqual(Array.from(oh.y.data), [1, 0, 0, 1, 1, 0]);
  const st = readCsv('y,a\n0,1\n1,3\n', 't.csv', { labelColumn: 'y', standardize: true });
  assert.deepEqual(Array.from(st.x.data), [-1, 1]);
  assert.throws(() => readCsv('a,b\nx,1\n', 't.csv'), /not a number/);
});

test('MNIST IDX, gzip or not', () => {
  const raw = Buffer.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4]);
  for (const bytes of [raw, zlib.gzipSync(raw)]) {
    const t = readIdx(new Uint8Array(bytes), 'img');
    assert.deepEqual(t.shape, [2, 1, 2]);
    assert.deepEqual(Array.from(t.data), [1, 2, 3, 4]);
  }
});

test('mnist-sample: 10,000 digits, 784 pixels in [0,1], ~1000 per class', () => {
  const ds = loadMnistSample();
  assert.equal(ds.size, 10000);
  assert.deepEqual(ds.x.shape, [10000, 784]);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < ds.size; i++) counts[ds.y.data[i]]++;
  assert.ok(counts.every((c) => c > 800 && c < 1200), String(counts));
  let max = 0;
  for (let i = 0; i < 784 * 10; i++) max = Math.max(max, ds.x.data[i]);
  assert.ok(max <= 1 && max > 0.9);
});

test('split is seeded and keeps file order', () => {
  const ds = loadMnistSample();
  const a = splitDataset(ds, 0.1, 4), b = splitDataset(ds, 0.1, 4);
  assert.equal(a.val.size, 1000);
  assert.deepEqual(a.val.y.data, b.val.y.data);
  // labels are stored digit-major, so an order-preserving subset stays sorted by label
  for (let i = 1; i < a.train.size; i++) assert.ok(a.train.y.data[i] >= a.train.y.data[i - 1]);
});

test('shuffled batches gather the right rows: native gather for float32 and a Uint32Array order, JS otherwise', () => {
  const n = 300, row = 7;
  const x = new Tensor('float32', [n, row], Float32Array.from({ length: n * row }, (_, i) => i + 0.5));
  const y = new Tensor('int64', [n], Float64Array.from({ length: n }, (_, i) => i % 10));
  const ds = makeDataset(x, y, 'rows', 10);
  const order = new Rng(9).permutation(n);
  for (const idx of [order.subarray(0, 64), Array.from(order.subarray(64, 128)), order.subarray(299, 300)]) {
    const b = batchOf(ds, idx);
    assert.deepEqual(b.x.shape, [idx.length, row]);
    for (let i = 0; i < idx.length; i++) {
      assert.deepEqual(Array.from(b.x.data.subarray(i * row, i * row + row)), Array.from({ length: row }, (_, k) => idx[i] * row + k + 0.5), `row ${i}`);
      assert.equal(b.y.data[i], idx[i] % 10);
    }
  }
});
