// Opens a dataset from what the user typed: "mnist-sample", a .npz (arrays x, y), a .npy of
// inputs with a .npy of labels, a .csv, or MNIST IDX image/label files (gz or not).

import fs from 'node:fs';
import path from 'node:path';
import { Tensor } from '../engine/tensor';
import { makeDataset, type Dataset } from './dataset';
import { readNpyFile, readNpzFile } from './npy';
import { readCsvFile, type CsvOptions } from './csv';
import { readIdxFile, scaleImages } from './idx';
import { loadMnistSample } from './mnistSample';

export interface DatasetSpec { data: string; labels?: string; csv?: CsvOptions }

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

export function loadDataset(spec: DatasetSpec): Dataset {
  const { data, labels } = spec;
  if (data === 'mnist-sample') return loadMnistSample();
  if (!fs.existsSync(data)) throw new Error(`dataset ${data} does not exist`);
  const lower = data.toLowerCase(), name = path.basename(data);
  if (lower.endsWith('.npz')) {
    const arrays = readNpzFile(data);
    const x = arrays.get('x'), y = arrays.get('y');
    if (!x || !y) throw new Error(`${name} must hold arrays "x" and "y" (it has: ${[...arrays.keys()].join(', ')})`);
    const yy = asTargets(y);
    return makeDataset(asInputs(x), yy, name, classCount(yy));
  }
  if (lower.endsWith('.csv')) return readCsvFile(data, spec.csv);
  if (/idx\d-ubyte(\.gz)?$/.test(lower) || lower.includes('-images-idx')) {
    if (!labels) throw new Error(`${name}: MNIST IDX images need --labels LABELS-idx1-ubyte`);
    const x = scaleImages(readIdxFile(data)), y = asTargets(readIdxFile(labels));
    return makeDataset(x, y, name, classCount(y));
  }
  if (lower.endsWith('.npy')) {
    if (!labels) throw new Error(`${name}: a .npy of inputs needs --labels Y.npy`);
    const y = asTargets(readNpyFile(labels));
    return makeDataset(asInputs(readNpyFile(data)), y, name, classCount(y));
  }
  if (fs.statSync(data).isDirectory()) throw new Error(`${name}: image-folder datasets are not supported yet`);
  throw new Error(`${name}: unknown dataset format (use mnist-sample, .npz, .npy with --labels, .csv or MNIST IDX files)`);
}
