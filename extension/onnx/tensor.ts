// TensorRef over a TensorProto: metadata up front, values decoded lazily on first data() call.
// raw_data is a view into the file buffer, so aligned numeric tensors are read without a copy.
import type { onnx } from './proto/onnx.pb.js';
import { DataType, byteFloatDecoder, bfloat16ToFloat32, elemBits, elemTypeName, float16ToFloat32, rawByteLength, unpackSubByte } from './dataTypes';
import { ModelLoadError } from './errors';
import type { ExternalDataSource } from './externalData';
import { toBigInt, toNumber, type Int64 } from './int64';
import type { ExternalLocation, SparseTensorRef, TensorData, TensorRef } from './model';

type ArrayCtor = { new(buffer: ArrayBufferLike, byteOffset: number, length: number): TensorData & ArrayBufferView; new(length: number): TensorData & ArrayBufferView; BYTES_PER_ELEMENT: number };

/** Typed array constructor for types whose raw bytes can be viewed directly (per element). */
function directCtor(code: number): ArrayCtor | undefined {
  switch (code) {
    case DataType.FLOAT: case DataType.COMPLEX64: return Float32Array as unknown as ArrayCtor;
    case DataType.DOUBLE: case DataType.COMPLEX128: return Float64Array as unknown as ArrayCtor;
    case DataType.UINT8: case DataType.BOOL: return Uint8Array as unknown as ArrayCtor;
    case DataType.INT8: return Int8Array as unknown as ArrayCtor;
    case DataType.UINT16: return Uint16Array as unknown as ArrayCtor;
    case DataType.INT16: return Int16Array as unknown as ArrayCtor;
    case DataType.INT32: return Int32Array as unknown as ArrayCtor;
    case DataType.UINT32: return Uint32Array as unknown as ArrayCtor;
    case DataType.INT64: return BigInt64Array as unknown as ArrayCtor;
    case DataType.UINT64: return BigUint64Array as unknown as ArrayCtor;
    default: return undefined;
  }
}

/** A typed view over `bytes` when aligned (no copy), else an aligned copy. Assumes a little-endian host. */
function viewAs(ctor: ArrayCtor, bytes: Uint8Array, length: number): TensorData & ArrayBufferView {
  const bpe = ctor.BYTES_PER_ELEMENT;
  if (bytes.byteOffset % bpe === 0) return new ctor(bytes.buffer, bytes.byteOffset, length);
  const out = new ctor(length);
  new Uint8Array(out.buffer).set(bytes.subarray(0, length * bpe));
  return out;
}

function parseExternal(proto: onnx.TensorProto.$Properties): ExternalLocation | undefined {
  if (proto.dataLocation !== 1) return undefined;
  const ext: ExternalLocation = { location: '', offset: 0 };
  for (const e of proto.externalData ?? []) {
    if (e.key === 'location') ext.location = e.value ?? '';
    else if (e.key === 'offset') ext.offset = Number(e.value) || 0;
    else if (e.key === 'length') ext.length = Number(e.value);
  }
  if (ext.length !== undefined && !Number.isFinite(ext.length)) ext.length = undefined;
  return ext;
}

const utf8 = new TextDecoder('utf-8');

export class OnnxTensor implements TensorRef {
  readonly name: string;
  readonly elemType: string;
  readonly dataType: number;
  readonly dims: number[];
  readonly elementCount: number;
  readonly external?: ExternalLocation;
  readonly docString: string;
  private cached?: TensorData;

  constructor(readonly proto: onnx.TensorProto.$Properties, private readonly source?: ExternalDataSource, name?: string) {
    this.name = name ?? proto.name ?? '';
    this.dataType = proto.dataType ?? 0;
    this.elemType = elemTypeName(this.dataType);
    this.dims = (proto.dims ?? []).map((d) => toNumber(d as Int64));
    this.elementCount = this.dims.reduce((a, b) => a * b, 1);
    this.external = parseExternal(proto);
    this.docString = proto.docString ?? '';
  }

  /** Storage bytes the tensor should occupy. */
  get byteLength(): number {
    return rawByteLength(this.dataType, this.elementCount);
  }

  bytes(): Uint8Array {
    if (this.external) {
      if (!this.source) {
        throw new ModelLoadError('externalData', `Tensor "${this.name}" keeps its data in "${this.external.location}", which cannot be located.`,
          'Open the model from its folder on disk.');
      }
      return this.source.read(this.external, this.name, this.byteLength);
    }
    const raw = this.proto.rawData;
    if (raw && raw.length > 0) return raw;
    if (this.dataType === DataType.STRING) throw new Error(`Tensor "${this.name}" holds strings, which have no byte encoding.`);
    return this.packTypedFields();
  }

  data(): TensorData {
    if (this.cached) return this.cached;
    this.cached = this.decode();
    return this.cached;
  }

  toFloat32(): Float32Array {
    const d = this.data();
    if (d instanceof Float32Array) return d;
    if (Array.isArray(d)) throw new Error(`Tensor "${this.name}" holds strings; it has no numeric values.`);
    const out = new Float32Array(d.length);
    if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
      for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
    } else {
      out.set(d as ArrayLike<number>);
    }
    return out;
  }

  private decode(): TensorData {
    if (this.dataType === DataType.STRING) return (this.proto.stringData ?? []).map((s) => utf8.decode(s));
    const raw = this.proto.rawData;
    const hasBytes = this.external !== undefined || (raw !== undefined && raw !== null && raw.length > 0);
    if (hasBytes) return this.decodeBytes(this.bytes());
    return this.decodeTypedFields();
  }

  private decodeBytes(b: Uint8Array): TensorData {
    const code = this.dataType;
    const n = this.elementCount;
    const need = this.byteLength;
    if (b.length < need) {
      throw new ModelLoadError('corrupt', `Tensor "${this.name}" (${this.elemType}[${this.dims.join('×')}]) has ${b.length} bytes of data; it needs ${need}.`,
        'The file is damaged or was cut short; export the model again.');
    }
    const complex = code === DataType.COMPLEX64 || code === DataType.COMPLEX128;
    const ctor = directCtor(code);
    if (ctor) return viewAs(ctor, b, complex ? n * 2 : n);
    if (code === DataType.FLOAT16 || code === DataType.BFLOAT16) {
      const bits = viewAs(Uint16Array as unknown as ArrayCtor, b, n) as Uint16Array;
      const f = code === DataType.FLOAT16 ? float16ToFloat32 : bfloat16ToFloat32;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = f(bits[i]);
      return out;
    }
    const byteFloat = byteFloatDecoder(code);
    if (byteFloat) {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = byteFloat(b[i]);
      return out;
    }
    if (elemBits(code) === 4 || elemBits(code) === 2) return unpackSubByte(b, n, code);
    throw new Error(`Tensor "${this.name}" has element type ${this.elemType}, which cannot be decoded.`);
  }

  private decodeTypedFields(): TensorData {
    const code = this.dataType;
    const n = this.elementCount;
    const p = this.proto;
    const missing = (): never => {
      throw new ModelLoadError('corrupt', `Tensor "${this.name}" (${this.elemType}[${this.dims.join('×')}]) has no data.`,
        'The file is damaged or was cut short; export the model again.');
    };
    switch (code) {
      case DataType.FLOAT: case DataType.COMPLEX64: {
        const src = p.floatData ?? [];
        if (src.length < (code === DataType.FLOAT ? n : 2 * n)) missing();
        return Float32Array.from(src);
      }
      case DataType.DOUBLE: case DataType.COMPLEX128: {
        const src = p.doubleData ?? [];
        if (src.length < (code === DataType.DOUBLE ? n : 2 * n)) missing();
        return Float64Array.from(src);
      }
      case DataType.INT64: {
        const src = p.int64Data ?? [];
        if (src.length < n) missing();
        const out = new BigInt64Array(src.length);
        for (let i = 0; i < src.length; i++) out[i] = toBigInt(src[i] as Int64);
        return out;
      }
      case DataType.UINT64: case DataType.UINT32: {
        const src = p.uint64Data ?? [];
        if (src.length < n) missing();
        if (code === DataType.UINT32) return Uint32Array.from(src, (v) => toNumber(v as Int64));
        const out = new BigUint64Array(src.length);
        for (let i = 0; i < src.length; i++) out[i] = toBigInt(src[i] as Int64, true);
        return out;
      }
      default: {
        // Everything else is carried in int32_data (bit patterns for the small floats,
        // two 4-bit or four 2-bit elements per entry).
        const src = p.int32Data ?? [];
        const bits = elemBits(code);
        if (bits === 0) throw new Error(`Tensor "${this.name}" has element type ${this.elemType}, which cannot be decoded.`);
        if (bits < 8) {
          if (src.length * (8 / bits) < n) missing();
          return unpackSubByte(Uint8Array.from(src, (v) => v & 0xff), n, code);
        }
        if (src.length < n) missing();
        switch (code) {
          case DataType.INT32: return Int32Array.from(src);
          case DataType.INT8: return Int8Array.from(src);
          case DataType.UINT8: case DataType.BOOL: return Uint8Array.from(src);
          case DataType.INT16: return Int16Array.from(src);
          case DataType.UINT16: return Uint16Array.from(src);
          case DataType.FLOAT16: return Float32Array.from(src, (v) => float16ToFloat32(v & 0xffff));
          case DataType.BFLOAT16: return Float32Array.from(src, (v) => bfloat16ToFloat32(v & 0xffff));
          default: {
            const f = byteFloatDecoder(code);
            if (!f) throw new Error(`Tensor "${this.name}" has element type ${this.elemType}, which cannot be decoded.`);
            return Float32Array.from(src, (v) => f(v & 0xff));
          }
        }
      }
    }
  }

  /** Little-endian storage bytes built from the typed repeated fields. */
  private packTypedFields(): Uint8Array {
    const code = this.dataType;
    const p = this.proto;
    const asBytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    switch (code) {
      case DataType.FLOAT: case DataType.COMPLEX64: case DataType.DOUBLE: case DataType.COMPLEX128:
      case DataType.INT64: case DataType.UINT64: case DataType.UINT32:
        return asBytes(this.decodeTypedFields() as ArrayBufferView);
      default: {
        const src = p.int32Data ?? [];
        const bits = elemBits(code);
        if (bits <= 8) return Uint8Array.from(src, (v) => v & 0xff);
        if (bits === 16) return asBytes(Uint16Array.from(src, (v) => v & 0xffff));
        return asBytes(Int32Array.from(src));
      }
    }
  }
}

export function makeSparseTensor(proto: onnx.SparseTensorProto.$Properties, source?: ExternalDataSource): SparseTensorRef {
  const values = new OnnxTensor(proto.values ?? {}, source);
  return {
    name: values.name,
    dims: (proto.dims ?? []).map((d) => toNumber(d as Int64)),
    values,
    indices: new OnnxTensor(proto.indices ?? {}, source),
    proto,
  };
}
