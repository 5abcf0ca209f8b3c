// Building model inputs for the Run Model command: resolving dynamic dimensions, random data of
// the right shape and type, an MNIST digit fitted to the input, and tensors from files adapted to
// the input (a [784] .npy for a [1, 784] input). Pure: no vscode.
import type { Dim, TensorInfo } from '../../shared/protocol';
import { imageTargetFor, imageToTensor, type Normalization, type RgbaImage } from './imageInput';
import { InferenceError, elementCount, type HostTensor } from './types';
import { mulberry32 } from '../engine/rng';
import { splitCsvLine } from '../datasets/csv';

export interface ResolvedDims {
  dims: number[];
  /** Symbolic/unknown dims that are not the leading batch dim: the user is asked for these. */
  ask: { index: number; name: string }[];
}

/**
 * Fixes the dims of an input shape: numbers stay; the first dim, when symbolic or unknown, is the
 * batch (default `batch`, 1); other symbolic dims take `given[name]`, else they are listed in
 * `ask` (and set to 1 meanwhile). A dim named like the batch ("batch", "N", "batch_size") anywhere
 * also defaults to `batch`.
 */
export function resolveDims(shape: readonly Dim[] | undefined, given: Record<string, number> = {}, batch = 1): ResolvedDims {
  if (!shape) return { dims: [], ask: [{ index: -1, name: 'rank' }] };
  const ask: ResolvedDims['ask'] = [];
  const dims = shape.map((d, i) => {
    if (typeof d === 'number' && d >= 0) return d;
    const name = typeof d === 'string' && d ? d : i === 0 ? 'batch' : `dim ${i}`;
    if (name in given) return given[name];
    if (i === 0 || /^(n|batch|batch_size|batchsize|b)$/i.test(name)) return batch;
    ask.push({ index: i, name });
    return 1;
  });
  return { dims, ask };
}

/** Random values of `elemType`: floats uniform in [0, 1), integers in 0..9, bools 0/1. */
export function randomTensor(elemType: string, dims: number[], seed = 42): HostTensor {
  const n = elementCount(dims);
  const r = mulberry32(seed);
  switch (elemType) {
    case 'float32': case 'float16': case 'bfloat16': return { dims, elemType, data: Float32Array.from({ length: n }, r) };
    case 'float64': return { dims, elemType, data: Float64Array.from({ length: n }, r) };
    case 'int64': return { dims, elemType, data: BigInt64Array.from({ length: n }, () => BigInt(Math.floor(r() * 10))) };
    case 'int32': return { dims, elemType, data: Int32Array.from({ length: n }, () => Math.floor(r() * 10)) };
    case 'int8': return { dims, elemType, data: Int8Array.from({ length: n }, () => Math.floor(r() * 10)) };
    case 'uint8': return { dims, elemType, data: Uint8Array.from({ length: n }, () => Math.floor(r() * 10)) };
    case 'bool': return { dims, elemType, data: Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0)) };
    default: throw new InferenceError(`Random data of type ${elemType} is not supported.`, 'Give this input as a .npy or .pb file.');
  }
}

/** A 28×28 grayscale digit (values 0..1, row-major) as an RGBA image. */
export function grayToImage(pixels: ArrayLike<number>, width = 28, height = 28): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const v = Math.round(Math.min(1, Math.max(0, pixels[p])) * 255);
    data[p * 4] = data[p * 4 + 1] = data[p * 4 + 2] = v;
    data[p * 4 + 3] = 255;
  }
  return { width, height, data };
}

/** An MNIST digit (784 values in 0..1) fitted to an image-like input (resized when the input is
 *  not 28×28, repeated over RGB when it has 3 channels). */
export function digitTensor(pixels: ArrayLike<number>, input: TensorInfo, batch = 1): HostTensor {
  const target = imageTargetFor(input.shape, batch);
  if (!target) throw new InferenceError(`Input "${input.name}" [${(input.shape ?? []).join(', ')}] does not look like an image, so an MNIST digit cannot be fed to it.`, 'Choose random data, a .npy or a .pb file instead.');
  if (input.elemType !== 'float32') throw new InferenceError(`Input "${input.name}" is ${input.elemType}; MNIST digits are fed as float32.`);
  return imageToTensor(grayToImage(pixels), target);
}

/**
 * A tensor read from a file, checked against the input: same element count but another shape is
 * reshaped (with a note); a different count or type is an InferenceError naming both.
 */
export function fitTensorToInput(t: HostTensor, input: TensorInfo, dims: number[], file = 'The file'): { tensor: HostTensor; note?: string } {
  if (input.elemType !== 'unknown' && t.elemType !== input.elemType) {
    throw new InferenceError(`${file} holds ${t.elemType} values; input "${input.name}" wants ${input.elemType}.`, `Save it as ${input.elemType} (numpy: .astype).`);
  }
  const same = t.dims.length === dims.length && t.dims.every((d, i) => d === dims[i] || (input.shape && typeof input.shape[i] !== 'number'));
  if (same) return { tensor: t };
  const want = elementCount(dims), have = elementCount(t.dims);
  if (want === have) return { tensor: { ...t, dims: [...dims] }, note: `reshaped [${t.dims.join(', ')}] → [${dims.join(', ')}]` };
  throw new InferenceError(`${file} has shape [${t.dims.join(', ')}] (${have} values); input "${input.name}" wants [${(input.shape ?? dims).map((d) => d ?? '?').join(', ')}].`,
    'Save the tensor with the shape the model expects.');
}

/** "0.5, 0.5, 0.5; 0.25" → mean/std lists; undefined when it does not parse. */
export function parseNorm(text: string): Normalization | undefined {
  const m = /^\s*(?:mean\s*)?([^;]+);\s*(?:std\s*)?(.+)$/i.exec(text);
  if (!m) return undefined;
  const nums = (s: string) => s.split(/[\s,]+/).filter(Boolean).map(Number);
  const mean = nums(m[1]), std = nums(m[2]);
  if (!mean.length || !std.length || [...mean, ...std].some((x) => !Number.isFinite(x)) || std.some((x) => x === 0)) return undefined;
  return { mean, std };
}

/** Rows of numbers in a CSV file (a first row that is not all numbers is a header). */
export function parseCsvRows(text: string): { header?: string[]; rows: number[][] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const cells = lines.map(splitCsvLine);
  const numeric = (r: string[]) => r.every((c) => c !== '' && Number.isFinite(Number(c)));
  const header = cells.length && !numeric(cells[0]) ? cells.shift() : undefined;
  return { header, rows: cells.map((r) => r.map(Number)) };
}

/**
 * Row `row` of a CSV file as an input of `dims`: its values in order. A row with exactly one value
 * more than the input takes is read as features plus a label (the last column, left out).
 */
export function csvRowTensor(text: string, row: number, input: TensorInfo, dims: number[], file = 'The CSV file'): { tensor: HostTensor; note?: string } {
  const { rows } = parseCsvRows(text);
  if (!rows.length) throw new InferenceError(`${file} has no rows of numbers.`);
  if (row < 0 || row >= rows.length) throw new InferenceError(`${file} has ${rows.length} data rows; row ${row} does not exist.`);
  if (rows[row].some((v) => !Number.isFinite(v))) throw new InferenceError(`Row ${row} of ${file} has a value that is not a number.`);
  const want = elementCount(dims);
  let values = rows[row];
  let note: string | undefined;
  if (values.length === want + 1) { note = `last column (${values[want]}) left out as the label`; values = values.slice(0, want); }
  if (values.length !== want) throw new InferenceError(`Row ${row} of ${file} has ${values.length} values; input "${input.name}" [${dims.join(', ')}] takes ${want}.`);
  const t = randomTensor(input.elemType, dims); // right array type; values overwritten below
  const d = t.data;
  for (let i = 0; i < want; i++) (d as unknown as number[])[i] = (d instanceof BigInt64Array ? BigInt(Math.trunc(values[i])) : values[i]) as number;
  return { tensor: t, note };
}
