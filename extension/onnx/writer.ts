// Writes a model back to bytes. The model keeps its decoded protos, so everything round-trips,
// including fields we do not model (unknown fields too). Replaced initializers are written as
// raw_data with the typed fields cleared.
//
// External data: a replaced initializer is always written INLINE (raw_data), even when it was
// external before, so the new file never points at stale bytes. Initializers that are not
// replaced keep their external reference (write the model next to the same data file), unless
// `embedExternalData` is set, which inlines them all (the result must stay under 2 GiB).
import fs from 'node:fs';
import path from 'node:path';
import { onnx } from './proto/onnx.pb.js';
import { DataType, elemTypeName, float32ToBfloat16, float32ToFloat16 } from './dataTypes';
import type { OnnxModel, TensorData } from './model';
import { OnnxTensor } from './tensor';

export type ReplacementValues = Exclude<TensorData, string[]> | number[];

export interface WriteOptions {
  /** Top-level initializer name → new values (same element count; converted to its element type). */
  replaceInitializers?: Map<string, ReplacementValues>;
  /** Inline every external tensor of the top-level graph into raw_data. */
  embedExternalData?: boolean;
}

/** Shallow copy of a protobufjs message, keeping its prototype (defaults) and unknown fields. */
function cloneMessage<T extends object>(m: T): T {
  const c = Object.assign(Object.create(Object.getPrototypeOf(m)) as T, m);
  const unknowns = (m as { $unknowns?: Uint8Array[] }).$unknowns;
  if (unknowns) Object.defineProperty(c, '$unknowns', { value: unknowns, enumerable: false, writable: true, configurable: true });
  return c;
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

const num = (v: number | bigint) => (typeof v === 'bigint' ? Number(v) : v);

/** Encodes values as little-endian raw_data for an ONNX element type. */
export function encodeRawData(values: ReplacementValues, dataType: number, tensorName = ''): Uint8Array {
  const src = values as ArrayLike<number | bigint>;
  const map = <T extends ArrayBufferView>(ctor: { new(n: number): T }, f: (v: number | bigint) => number | bigint): Uint8Array => {
    const out = new ctor(src.length) as unknown as { [i: number]: number | bigint } & ArrayBufferView;
    for (let i = 0; i < src.length; i++) out[i] = f(src[i]);
    return bytesOf(out);
  };
  switch (dataType) {
    case DataType.FLOAT: case DataType.COMPLEX64:
      return values instanceof Float32Array ? bytesOf(values) : map(Float32Array, num);
    case DataType.DOUBLE: case DataType.COMPLEX128:
      return values instanceof Float64Array ? bytesOf(values) : map(Float64Array, num);
    case DataType.INT8: return map(Int8Array, num);
    case DataType.UINT8: return map(Uint8Array, num);
    case DataType.BOOL: return map(Uint8Array, (v) => (num(v) ? 1 : 0));
    case DataType.INT16: return map(Int16Array, num);
    case DataType.UINT16: return map(Uint16Array, num);
    case DataType.INT32: return map(Int32Array, num);
    case DataType.UINT32: return map(Uint32Array, num);
    case DataType.INT64:
      return values instanceof BigInt64Array ? bytesOf(values) : map(BigInt64Array, (v) => (typeof v === 'bigint' ? v : BigInt(Math.round(v))));
    case DataType.UINT64:
      return values instanceof BigUint64Array ? bytesOf(values) : map(BigUint64Array, (v) => BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(Math.round(v))));
    case DataType.FLOAT16: return map(Uint16Array, (v) => float32ToFloat16(num(v)));
    case DataType.BFLOAT16: return map(Uint16Array, (v) => float32ToBfloat16(num(v)));
    default:
      throw new Error(`Cannot write new values for initializer "${tensorName}": element type ${elemTypeName(dataType)} is not supported for replacement.`);
  }
}

function inlineTensor(t: onnx.TensorProto.$Properties, raw: Uint8Array): onnx.TensorProto {
  const props: onnx.TensorProto.$Properties = { name: t.name, dims: t.dims, dataType: t.dataType, rawData: raw };
  if (t.docString) props.docString = t.docString;
  if (t.metadataProps?.length) props.metadataProps = t.metadataProps;
  return onnx.TensorProto.create(props);
}

/** Serialises the model; the input model is not modified. */
export function writeModel(model: OnnxModel, opts: WriteOptions = {}): Uint8Array {
  const replace = opts.replaceInitializers;
  if (!replace?.size && !opts.embedExternalData) return onnx.ModelProto.encode(model.proto).finish();

  const proto = cloneMessage(model.proto);
  const graph = cloneMessage(model.proto.graph ?? onnx.GraphProto.create());
  proto.graph = graph;
  const found = new Set<string>();
  graph.initializer = (graph.initializer ?? []).map((t) => {
    const name = t.name ?? '';
    const ref = model.graph.initializers.get(name) ?? new OnnxTensor(t);
    const values = replace?.get(name);
    if (values) {
      found.add(name);
      const expected = ref.dataType === DataType.COMPLEX64 || ref.dataType === DataType.COMPLEX128 ? ref.elementCount * 2 : ref.elementCount;
      if (values.length !== expected) {
        throw new Error(`Cannot replace initializer "${name}": it has ${expected} elements (${ref.elemType}[${ref.dims.join('×')}]) but ${values.length} values were given.`);
      }
      return inlineTensor(t, encodeRawData(values, ref.dataType, name));
    }
    if (opts.embedExternalData && ref.external) return inlineTensor(t, ref.bytes());
    return t;
  });
  if (replace) {
    const missing = [...replace.keys()].filter((k) => !found.has(k));
    if (missing.length) throw new Error(`Cannot replace initializer(s) ${missing.map((m) => `"${m}"`).join(', ')}: not found in the top-level graph.`);
  }
  return onnx.ModelProto.encode(proto).finish();
}

function tempPathFor(file: string): string {
  const dir = path.dirname(path.resolve(file));
  return path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
}

/** Writes to a temporary file in the same folder, flushes it, then renames it over `file`,
 *  so readers never see a half-written model. */
export async function writeModelFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = tempPathFor(file);
  try {
    const fh = await fs.promises.open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
}

export function writeModelFileAtomicSync(file: string, bytes: Uint8Array): void {
  const tmp = tempPathFor(file);
  try {
    const fd = fs.openSync(tmp, 'wx');
    try {
      fs.writeFileSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
