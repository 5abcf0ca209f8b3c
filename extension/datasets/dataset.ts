// An in-memory dataset: inputs x [N, …] (float32) and targets y ([N] class indices as int64,
// or [N, …] float32), with batching by index, train/validation split and shuffling.

import { allocArray, sizeOf, Tensor } from '../engine/tensor';
import { Rng } from '../engine/rng';

export interface Dataset {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly size: number;
  /** class names or count when y holds class indices */
  readonly numClasses?: number;
  readonly name: string;
}

export function makeDataset(x: Tensor, y: Tensor, name: string, numClasses?: number): Dataset {
  if (x.shape[0] !== y.shape[0]) throw new Error(`${name}: ${x.shape[0]} inputs but ${y.shape[0]} targets`);
  return { x, y, size: x.shape[0], name, numClasses };
}

function takeRows(t: Tensor, idx: ArrayLike<number>): Tensor {
  const row = sizeOf(t.shape.slice(1)), out = allocArray(t.dtype, idx.length * row);
  for (let i = 0; i < idx.length; i++) out.set(t.data.subarray(idx[i] * row, idx[i] * row + row), i * row);
  return new Tensor(t.dtype, [idx.length, ...t.shape.slice(1)], out);
}

export function batchOf(ds: Dataset, idx: ArrayLike<number>): { x: Tensor; y: Tensor } {
  return { x: takeRows(ds.x, idx), y: takeRows(ds.y, idx) };
}

export function subset(ds: Dataset, idx: ArrayLike<number>, name: string): Dataset {
  const b = batchOf(ds, idx);
  return makeDataset(b.x, b.y, name, ds.numClasses);
}

/** Seeded split: a random `fraction` of the samples becomes validation. */
export function splitDataset(ds: Dataset, fraction: number, seed: number): { train: Dataset; val: Dataset } {
  const perm = new Rng(seed).permutation(ds.size);
  const nVal = Math.round(ds.size * fraction);
  // both parts keep the file's order, so --no-shuffle batches follow the data as written
  const trainIdx = perm.slice(0, ds.size - nVal).sort(), valIdx = perm.slice(ds.size - nVal).sort();
  return { train: subset(ds, trainIdx, `${ds.name} (train)`), val: subset(ds, valIdx, `${ds.name} (validation)`) };
}

/** Reshape inputs to the model's per-sample shape when the element counts agree. */
export function fitInputShape(ds: Dataset, sampleShape: readonly (number | string | null)[] | undefined): Dataset {
  if (!sampleShape || !sampleShape.every((d) => typeof d === 'number')) return ds;
  const want = sampleShape as number[], have = ds.x.shape.slice(1);
  if (want.join(',') === have.join(',')) return ds;
  if (sizeOf(want) !== sizeOf(have)) {
    throw new Error(`${ds.name}: samples have shape [${have.join(',')}] but the model expects [${want.join(',')}]`);
  }
  return { ...ds, x: ds.x.reshape([ds.size, ...want]) };
}
