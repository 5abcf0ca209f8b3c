// Opens a dataset from what the user typed: "mnist-sample", a .npz (arrays x, y), a .npy of
// inputs with a .npy of labels, a .csv, or MNIST IDX image/label files (gz or not).
// Large files stream (stream.ts): inputs are read per batch by file offset, labels stay in
// memory. `stream`: true/false force it, 'auto' (default) streams files of 512 MB or more
// (NEURAL_LENS_STREAM_THRESHOLD_MB or streamThresholdBytes change the limit). What cannot
// stream — mnist-sample, gzip IDX, deflated .npz members, Fortran-order / big-endian / float16
// .npy — is loaded into memory; when streaming was asked for, Dataset.note says why.

import fs from 'node:fs';
import path from 'node:path';
import { Tensor } from '../engine/tensor';
import zlib from 'node:zlib';
import { makeDataset, makeStreamingDataset, type Dataset } from './dataset';
import { readNpyFile, readNpyTensor, readNpzFile } from './npy';
import { readCsvFile, readCsvFileStreaming, type CsvOptions } from './csv';
import { readIdxFile, scaleImages } from './idx';
import { loadMnistSample } from './mnistSample';
import {
  FileRowSource, npyRows, npyStreamBlocker, readAt, readNpyHeader, shouldStream,
  type StreamChoice,
} from './stream';
import { zipDirectory, zipEntryStart } from './zip';

export interface DatasetSpec {
  data: string; labels?: string; csv?: CsvOptions;
  /** true: stream inputs from disk; false: load into memory; 'auto' (default): by size */
  stream?: StreamChoice;
  /** size from which 'auto' streams (default 512 MB) */
  streamThresholdBytes?: number;
}

/** Integer labels become int64 class indices; float inputs stay float32. */
function asInputs(t: Tensor): Tensor {
  if (t.dtype === 'float32') return t;
  if (t.dtype === 'uint8') return scaleImages(t);
  return new Tensor('float32', t.shape, Float32Array.from(t.data as ArrayLike<number>));
}
function asTargets(t: Tensor): Tensor {
  if (t.dtype === 'float32') return t;
  if (t.dtype === 'float64' || t.dtype === 'float16') return new Tensor('float32', t.shape, Float32Array.from(t.data as ArrayLike<number>));
  return new Tensor('int64', t.shape, Float64Array.from(t.data as ArrayLike<number>));
}

function classCount(y: Tensor): number | undefined {
  if (y.dtype !== 'int64') return undefined;
  let m = -1;
  for (let i = 0; i < y.size; i++) m = Math.max(m, y.data[i]);
  return m + 1;
}

function withNote(ds: Dataset, note: string | undefined): Dataset {
  return note ? { ...ds, note } : ds;
}

function labelsOf(file: string): Tensor {
  return asTargets(readNpyFile(file));
}

export function loadDataset(spec: DatasetSpec): Dataset {
  const { data } = spec;
  if (data === 'mnist-sample') {
    const ds = loadMnistSample();
    return spec.stream === true ? withNote(ds, 'mnist-sample is bundled and small; it is kept in memory') : ds;
  }
  if (!fs.existsSync(data)) throw new Error(`dataset ${data} does not exist`);
  const lower = data.toLowerCase(), name = path.basename(data);
  const isDir = fs.statSync(data).isDirectory();
  const size = isDir ? 0 : fs.statSync(data).size;
  const stream = !isDir && shouldStream(spec.stream, size, spec.streamThresholdBytes);
  const asked = spec.stream === true ? '' : ` (${Math.round(size / 2 ** 20)} MB)`;
  if (stream) {
    const r = loadStreaming(spec, name, lower);
    if (r.ds) return r.ds;
    const ds = loadInMemory(spec, name, lower);
    return withNote(ds, `${name}${asked} is loaded into memory: ${r.why}`);
  }
  return loadInMemory(spec, name, lower);
}

/** The streaming dataset, or why this file cannot stream. */
function loadStreaming(spec: DatasetSpec, name: string, lower: string): { ds?: Dataset; why?: string } {
  const { data, labels } = spec;
  if (lower.endsWith('.csv')) return { ds: readCsvFileStreaming(data, spec.csv) };
  const size = fs.statSync(data).size;
  const fd = fs.openSync(data, 'r');
  try {
    if (lower.endsWith('.npz')) {
      const read = (pos: number, len: number) => readAt(fd, pos, len, data);
      const entries = zipDirectory(read, size, data);
      const xe = entries.find((e) => e.name === 'x.npy'), ye = entries.find((e) => e.name === 'y.npy');
      if (!xe || !ye) {
        throw new Error(`${name} must hold arrays "x" and "y" (it has: ${entries.filter((e) => e.name.endsWith('.npy')).map((e) => e.name.slice(0, -4)).join(', ')})`);
      }
      if (xe.method !== 0) return { why: 'its array "x" is compressed (deflated) and cannot be read by offset; save it with numpy.savez (not savez_compressed) to stream' };
      const xStart = zipEntryStart(read, xe, data);
      const h = readNpyHeader(fd, xStart, xStart + xe.csize, `${name}:x.npy`);
      const blocker = npyStreamBlocker(h);
      if (blocker) return { why: `its array "x": ${blocker}` };
      const rows = npyRows(data, h, xStart + xe.csize, `${name}:x.npy`);
      const yStart = zipEntryStart(read, ye, data);
      let yBytes = readAt(fd, yStart, ye.csize, data);
      if (ye.method === 8) yBytes = new Uint8Array(zlib.inflateRawSync(yBytes));
      else if (ye.method !== 0) throw new Error(`${data}: entry y.npy uses unsupported zip compression ${ye.method}`);
      const y = asTargets(readNpyTensor(yBytes, `${data}:y.npy`));
      return { ds: makeStreamingDataset(rows, y, name, classCount(y)) };
    }
    if (isIdx(lower)) {
      if (!labels) throw new Error(`${name}: MNIST IDX images need --labels LABELS-idx1-ubyte`);
      const head = readAt(fd, 0, Math.min(size, 4), data);
      if (head[0] === 0x1f && head[1] === 0x8b) return { why: 'it is gzip-compressed (gunzip it to stream)' };
      if (size < 4 || head[0] !== 0 || head[1] !== 0) throw new Error(`${data} is not an IDX file (bad magic)`);
      if (head[2] !== 0x08) throw new Error(`${data}: only unsigned-byte IDX files are supported (type 0x${head[2].toString(16)})`);
      const rank = head[3];
      if (rank < 1) throw new Error(`${data}: an IDX file of images needs at least one dimension`);
      const dv = new DataView(readAt(fd, 4, 4 * rank, data).buffer);
      const dims = Array.from({ length: rank }, (_, i) => dv.getUint32(4 * i));
      const start = 4 + 4 * rank, n = dims.reduce((a, b) => a * b, 1);
      if (size < start + n) throw new Error(`${data}: truncated IDX data`);
      const y = asTargets(readIdxFile(labels));
      return { ds: makeStreamingDataset(new FileRowSource(data, start, dims[0], dims.slice(1), 'u1', true), y, name, classCount(y)) };
    }
    if (lower.endsWith('.npy')) {
      if (!labels) throw new Error(`${name}: a .npy of inputs needs --labels Y.npy`);
      const h = readNpyHeader(fd, 0, size, data);
      const blocker = npyStreamBlocker(h);
      if (blocker) return { why: blocker };
      const rows = npyRows(data, h, size);
      const y = labelsOf(labels);
      return { ds: makeStreamingDataset(rows, y, name, classCount(y)) };
    }
  } finally {
    fs.closeSync(fd);
  }
  return { why: 'this format cannot stream' };
}

function isIdx(lower: string): boolean {
  return /idx\d-ubyte(\.gz)?$/.test(lower) || lower.includes('-images-idx');
}

function loadInMemory(spec: DatasetSpec, name: string, lower: string): Dataset {
  const { data, labels } = spec;
  if (lower.endsWith('.npz')) {
    const arrays = readNpzFile(data);
    const x = arrays.get('x'), y = arrays.get('y');
    if (!x || !y) throw new Error(`${name} must hold arrays "x" and "y" (it has: ${[...arrays.keys()].join(', ')})`);
    const yy = asTargets(y);
    return makeDataset(asInputs(x), yy, name, classCount(yy));
  }
  if (lower.endsWith('.csv')) return readCsvFile(data, spec.csv);
  if (isIdx(lower)) {
    if (!labels) throw new Error(`${name}: MNIST IDX images need --labels LABELS-idx1-ubyte`);
    const x = scaleImages(readIdxFile(data)), y = asTargets(readIdxFile(labels));
    return makeDataset(x, y, name, classCount(y));
  }
  if (lower.endsWith('.npy')) {
    if (!labels) throw new Error(`${name}: a .npy of inputs needs --labels Y.npy`);
    const y = labelsOf(labels);
    return makeDataset(asInputs(readNpyFile(data)), y, name, classCount(y));
  }
  if (fs.statSync(data).isDirectory()) throw new Error(`${name}: image-folder datasets are not supported yet`);
  throw new Error(`${name}: unknown dataset format (use mnist-sample, .npz, .npy with --labels, .csv or MNIST IDX files)`);
}
