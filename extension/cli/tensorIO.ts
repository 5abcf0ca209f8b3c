// Tensors on disk: numpy .npy (format 1.0–3.0) and ONNX TensorProto .pb. Used by `cli run`, the
// inference tests and the Run Model input picker. Values follow extension/inference/types.ts:
// float16/bfloat16 are decoded to float32 on read and encoded back on write.
import fs from 'node:fs';
import path from 'node:path';
import { onnx } from '../onnx/proto/onnx.pb.js';
import { OnnxTensor } from '../onnx/tensor';
import { elemTypeCode, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from '../onnx/dataTypes';
import { InferenceError, elementCount, type HostTensor, type TypedArray } from '../inference/types';

export interface NamedTensor extends HostTensor {
  name: string;
}

/** A file name for an output: every character but a letter, digit, ".", "_" or "-" becomes "_". */
export function tensorFileName(outputName: string): string {
  return outputName.replace(/[^A-Za-z0-9._-]/g, '_');
}

// ---- .npy ----

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** numpy kind+size (without byte order) ↔ our element type names. */
const NPY_TYPES: Record<string, string> = {
  f2: 'float16', f4: 'float32', f8: 'float64', i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64',
  u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64', b1: 'bool',
};
const NPY_DESCR: Record<string, string> = Object.fromEntries(Object.entries(NPY_TYPES).map(([k, v]) => [v, k]));

type Ctor = { new(n: number): TypedArray; new(b: ArrayBufferLike, o: number, n: number): TypedArray; BYTES_PER_ELEMENT: number };
const CTORS: Record<string, Ctor> = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, int16: Int16Array, int32: Int32Array,
  int64: BigInt64Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array,
  bool: Uint8Array,
} as unknown as Record<string, Ctor>;

export function npyError(file: string, what: string): InferenceError {
  return new InferenceError(`${file} is not a readable .npy file: ${what}.`, 'Save it with numpy.save (numeric or bool dtype).');
}

export interface NpyHeader { descr: string; fortran: boolean; dims: number[]; dataStart: number }

/**
 * Where the data of a .npy starts, from its first 10–12 bytes (magic, version, header length).
 * Lets a reader that streams from disk fetch exactly the header before parsing it.
 */
export function npyDataStart(prefix: Uint8Array, file = 'The .npy file'): number {
  if (prefix.length < 10 || !NPY_MAGIC.every((b, i) => prefix[i] === b)) throw npyError(file, 'it does not start with \\x93NUMPY');
  const major = prefix[6];
  const headerStart = major === 1 ? 10 : 12;
  if (prefix.length < headerStart) throw npyError(file, 'the header is cut short');
  const dv = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  return headerStart + (major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true));
}

/** Parses the header of a .npy whose bytes (at least up to the data) are given. */
export function parseNpyHeader(bytes: Uint8Array, file = 'The .npy file'): NpyHeader {
  const dataStart = npyDataStart(bytes, file);
  if (dataStart > bytes.length) throw npyError(file, 'the header is cut short');
  const major = bytes[6];
  const header = new TextDecoder(major >= 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(major === 1 ? 10 : 12, dataStart));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*True/.test(header);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined) throw npyError(file, `the header has no descr or shape (${header.trim()})`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw npyError(file, `bad shape (${shapeText})`);
  return { descr, fortran, dims, dataStart };
}

/** Reads a .npy file's bytes. `file` only names the source in error messages. */
export function readNpy(bytes: Uint8Array, file = 'The .npy file'): HostTensor {
  const { descr, fortran, dims, dataStart } = parseNpyHeader(bytes, file);
  const order = descr[0];
  const kind = descr.slice(1);
  const count = elementCount(dims);
  const body = bytes.subarray(dataStart);

  let t: HostTensor;
  if (kind.startsWith('U')) {
    // Fixed-width UCS-4 strings.
    const width = Number(kind.slice(1));
    const need = count * width * 4;
    if (body.length < need) throw npyError(file, `it holds ${body.length} data bytes; shape ${JSON.stringify(dims)} needs ${need}`);
    const strings: string[] = [];
    const bdv = new DataView(body.buffer, body.byteOffset, need);
    for (let i = 0; i < count; i++) {
      let s = '';
      for (let j = 0; j < width; j++) {
        const cp = bdv.getUint32((i * width + j) * 4, order !== '>');
        if (cp === 0) break;
        s += String.fromCodePoint(cp);
      }
      strings.push(s);
    }
    t = { dims, elemType: 'string', data: strings };
  } else {
    const elemType = NPY_TYPES[kind];
    if (!elemType) throw npyError(file, `dtype '${descr}' is not supported (object or structured arrays cannot be read)`);
    const size = Number(kind.slice(1));
    const need = count * size;
    if (body.length < need) throw npyError(file, `it holds ${body.length} data bytes; shape ${JSON.stringify(dims)} needs ${need}`);
    // Copy into an aligned buffer, swapping bytes for big-endian data.
    // A fresh buffer (not body.slice: on a Node Buffer that is a view into a shared pool).
    const raw = new Uint8Array(need);
    raw.set(body.subarray(0, need));
    if (order === '>' && size > 1) {
      for (let i = 0; i < need; i += size) raw.subarray(i, i + size).reverse();
    }
    if (elemType === 'float16') {
      const bits = new Uint16Array(raw.buffer, 0, count);
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = float16ToFloat32(bits[i]);
      t = { dims, elemType, data };
    } else {
      t = { dims, elemType, data: new CTORS[elemType](raw.buffer, 0, count) };
    }
  }
  return fortran && dims.length > 1 ? fromFortranOrder(t) : t;
}

/** Reorders column-major data to row-major. */
function fromFortranOrder(t: HostTensor): HostTensor {
  const { dims } = t;
  const n = elementCount(dims);
  const src = t.data as ArrayLike<unknown> & { length: number };
  const out = Array.isArray(t.data) ? new Array<string>(n) : new (t.data.constructor as Ctor)(n);
  const idx = new Array<number>(dims.length).fill(0);
  const fStride: number[] = [];
  let s = 1;
  for (const d of dims) { fStride.push(s); s *= d; }
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let k = 0; k < dims.length; k++) off += idx[k] * fStride[k];
    (out as unknown as unknown[])[i] = src[off] as never;
    for (let k = dims.length - 1; k >= 0; k--) {
      if (++idx[k] < dims[k]) break;
      idx[k] = 0;
    }
  }
  return { ...t, data: out as HostTensor['data'] };
}

/** Serialises a tensor as .npy (format 1.0, little-endian, C order). */
export function writeNpy(t: HostTensor): Uint8Array {
  const count = elementCount(t.dims);
  let descr: string;
  let body: Uint8Array;
  if (t.elemType === 'string') {
    const strings = t.data as string[];
    const cps = strings.map((s) => Array.from(s, (c) => c.codePointAt(0)!));
    const width = Math.max(1, ...cps.map((c) => c.length));
    descr = `<U${width}`;
    const u = new Uint32Array(count * width);
    cps.forEach((c, i) => u.set(c, i * width));
    body = new Uint8Array(u.buffer);
  } else {
    const elemType = t.elemType === 'bfloat16' ? 'float32' : t.elemType; // numpy has no bfloat16
    const kind = NPY_DESCR[elemType];
    if (!kind) throw new InferenceError(`A ${t.elemType} tensor cannot be written as .npy.`, 'Write it as a TensorProto .pb instead.');
    descr = (kind.endsWith('1') ? '|' : '<') + kind;
    body = storageBytes({ ...t, elemType });
  }
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + body.length);
  out.set(NPY_MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, 10 + header.length);
  return out;
}

/** Little-endian storage bytes of a numeric tensor (float16/bfloat16 encoded from float32 values). */
function storageBytes(t: HostTensor): Uint8Array {
  const d = t.data;
  if (Array.isArray(d)) throw new InferenceError(`Tensor of strings has no numeric storage.`);
  if (t.elemType === 'float16' || t.elemType === 'bfloat16') {
    if (d instanceof Uint16Array) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength); // already bits
    const enc = t.elemType === 'float16' ? float32ToFloat16 : float32ToBfloat16;
    const bits = new Uint16Array(d.length);
    for (let i = 0; i < d.length; i++) bits[i] = enc(Number(d[i]));
    return new Uint8Array(bits.buffer);
  }
  const Want = CTORS[t.elemType];
  if (!Want) throw new InferenceError(`Element type ${t.elemType} is not supported here.`);
  let arr: TypedArray = d;
  if (!(d instanceof (Want as unknown as typeof Float32Array))) {
    const big = t.elemType === 'int64' || t.elemType === 'uint64';
    const conv = new Want(d.length) as unknown as (number | bigint)[];
    for (let i = 0; i < d.length; i++) conv[i] = big ? BigInt(Math.trunc(Number(d[i]))) : Number(d[i]);
    arr = conv as unknown as TypedArray;
  }
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

// ---- TensorProto .pb ----

/** Decodes a serialized onnx.TensorProto (as in ONNX's test_data_set_N/input_N.pb). */
export function readTensorPb(bytes: Uint8Array, file = 'The .pb file'): NamedTensor {
  let proto: onnx.TensorProto;
  try {
    proto = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new InferenceError(`${file} is not a serialized ONNX TensorProto: ${(e as Error).message}.`,
      'Write it with onnx.numpy_helper.from_array(a).SerializeToString().');
  }
  const t = new OnnxTensor(proto);
  if (!t.dataType) throw new InferenceError(`${file} is not a TensorProto: it declares no data type.`);
  return { name: t.name, dims: t.dims, elemType: t.elemType, data: t.data() };
}

/** Serialises a tensor as an onnx.TensorProto (raw_data, or string_data for strings). */
export function writeTensorPb(t: HostTensor, name = ''): Uint8Array {
  const dataType = elemTypeCode(t.elemType);
  if (!dataType) throw new InferenceError(`Element type ${t.elemType} has no ONNX data type.`);
  const proto = onnx.TensorProto.create({ name, dims: t.dims, dataType });
  if (t.elemType === 'string') proto.stringData = (t.data as string[]).map((s) => new TextEncoder().encode(s));
  else proto.rawData = storageBytes(t);
  return onnx.TensorProto.encode(proto).finish();
}

// ---- files ----

/** Reads a .npy or .pb tensor file (by extension; .pb for anything that is not .npy). */
export function readTensorFile(file: string): NamedTensor {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new InferenceError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
  const name = path.basename(file);
  if (file.toLowerCase().endsWith('.npy')) return { name: '', ...readNpy(bytes, name) };
  return readTensorPb(bytes, name);
}

/** Writes `DIR/<tensorFileName(name)>.npy` and returns the file name written. */
export function writeTensorNpy(dir: string, name: string, t: HostTensor): string {
  const fileName = `${tensorFileName(name)}.npy`;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, fileName), writeNpy(t));
  return fileName;
}
