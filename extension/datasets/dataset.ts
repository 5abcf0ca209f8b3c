// A dataset: inputs x [N, …] (float32) and targets y ([N] class indices as int64, or [N, …]
// float32), with batching by index, train/validation split and shuffling. Inputs live in memory
// (x) or, for data larger than memory, are read on demand from a RowSource (`rows`, see
// stream.ts); targets are always in memory. batchOf/subset/splitDataset/fitInputShape treat
// both the same way and give bit-identical batches.

import { allocArray, sizeOf, Tensor } from '../engine/tensor';
import { Rng } from '../engine/rng';
import { loadNative } from '../engine/cpu/native';

export interface Dataset {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly size: number;
  /** class names or count when y holds class indices */
  readonly numClasses?: number;
  readonly name: string;
  /** streaming datasets: inputs are read from here per batch (reading `x` loads them all) */
  readonly rows?: RowSource;
  /** why a dataset that was asked to stream is in memory (or other loader remarks) */
  readonly note?: string;
}

/** Per-sample inputs read on demand, e.g. from a file by offset. */
export interface RowSource {
  /** number of samples */
  readonly count: number;
  /** per-sample input shape */
  readonly rowShape: readonly number[];
  /** writes samples idx[0], idx[1], … (float32, row-major) to out at i · rowSize */
  readInto(idx: ArrayLike<number>, out: Float32Array): void;
}

/** A dataset whose inputs stay on disk; `x` (all inputs in memory) is built only if read. */
export function makeStreamingDataset(rows: RowSource, y: Tensor, name: string, numClasses?: number, note?: string): Dataset {
  if (rows.count !== y.shape[0]) throw new Error(`${name}: ${rows.count} inputs but ${y.shape[0]} targets`);
  let x: Tensor | undefined;
  return {
    y, size: rows.count, name, numClasses, rows, note,
    get x(): Tensor {
      if (!x) {
        const all = new Uint32Array(rows.count);
        for (let i = 0; i < all.length; i++) all[i] = i;
        x = takeStreamRows(rows, all);
      }
      return x;
    },
  };
}

/** [N, …sample] of the inputs, without loading streamed ones. */
export function inputShape(ds: Dataset): number[] {
  return ds.rows ? [ds.size, ...ds.rows.rowShape] : ds.x.shape.slice();
}

function takeStreamRows(rows: RowSource, idx: ArrayLike<number>): Tensor {
  const out = allocArray('float32', idx.length * sizeOf(rows.rowShape)) as Float32Array;
  rows.readInto(idx, out);
  return new Tensor('float32', [idx.length, ...rows.rowShape], out);
}

/** A RowSource seen through an index map (subsets) and/or with another per-sample shape. */
function mappedRows(src: RowSource, map: Uint32Array | undefined, rowShape: readonly number[] = src.rowShape): RowSource {
  return {
    count: map ? map.length : src.count, rowShape,
    readInto(idx, out) {
      if (!map) { src.readInto(idx, out); return; }
      const m = new Uint32Array(idx.length);
      for (let i = 0; i < idx.length; i++) m[i] = map[idx[i]];
      src.readInto(m, out);
    },
  };
}

export function makeDataset(x: Tensor, y: Tensor, name: string, numClasses?: number): Dataset {
  if (x.shape[0] !== y.shape[0]) throw new Error(`${name}: ${x.shape[0]} inputs but ${y.shape[0]} targets`);
  return { x, y, size: x.shape[0], name, numClasses };
}

function takeRows(t: Tensor, idx: ArrayLike<number>): Tensor {
  const row = sizeOf(t.shape.slice(1));
  // in-order batches (--no-shuffle, evaluation) are views: no copy of the samples
  if (isRun(idx)) return new Tensor(t.dtype, [idx.length, ...t.shape.slice(1)], t.data.subarray(idx[0] * row, (idx[0] + idx.length) * row));
  const out = allocArray(t.dtype, idx.length * row);
  // float32 samples through the native gather when the addon loads (a subarray per row cost
  // MLP b256 7 % of its steps); loaded on the first shuffled batch, not when this module is
  const native = t.data instanceof Float32Array && out instanceof Float32Array && idx instanceof Uint32Array ? loadNative() : undefined;
  if (native?.ok) native.kernels.gatherRows(t.data as Float32Array, idx as Uint32Array, row, out as Float32Array);
  else if (row === 1) for (let i = 0; i < idx.length; i++) out[i] = t.data[idx[i]]; // labels: no view per value
  else for (let i = 0; i < idx.length; i++) out.set(t.data.subarray(idx[i] * row, idx[i] * row + row), i * row);
  return new Tensor(t.dtype, [idx.length, ...t.shape.slice(1)], out);
}

/** idx is k, k+1, …, k+n-1 (n ≥ 1). */
function isRun(idx: ArrayLike<number>): boolean {
  if (idx.length === 0) return false;
  for (let i = 1; i < idx.length; i++) if (idx[i] !== idx[0] + i) return false;
  return true;
}

/** Batch tensors; in-order batches of an in-memory dataset are views of its arrays (never recycle them). */
export function batchOf(ds: Dataset, idx: ArrayLike<number>): { x: Tensor; y: Tensor } {
  if (ds.rows) return { x: takeStreamRows(ds.rows, idx), y: takeRows(ds.y, idx) };
  return { x: takeRows(ds.x, idx), y: takeRows(ds.y, idx) };
}

export function subset(ds: Dataset, idx: ArrayLike<number>, name: string): Dataset {
  if (ds.rows) return makeStreamingDataset(mappedRows(ds.rows, Uint32Array.from(idx)), takeRows(ds.y, idx), name, ds.numClasses, ds.note);
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
  const want = sampleShape as number[], have = inputShape(ds).slice(1);
  if (want.join(',') === have.join(',')) return ds;
  if (sizeOf(want) !== sizeOf(have)) {
    throw new Error(`${ds.name}: samples have shape [${have.join(',')}] but the model expects [${want.join(',')}]`);
  }
  if (ds.rows) return makeStreamingDataset(mappedRows(ds.rows, undefined, want), ds.y, ds.name, ds.numClasses, ds.note);
  return { ...ds, x: ds.x.reshape([ds.size, ...want]) };
}
