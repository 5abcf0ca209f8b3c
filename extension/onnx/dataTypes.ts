// ONNX element types: numpy-style names, storage sizes, and the bit-level decoders for the
// small float / packed integer formats (float16, bfloat16, float8 variants, float4, int4, int2).
// Everything here is pure and allocation-light; tensor.ts picks the right routine per type.

/** ONNX TensorProto.DataType codes. */
export const enum DataType {
  UNDEFINED = 0, FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7,
  STRING = 8, BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13, COMPLEX64 = 14,
  COMPLEX128 = 15, BFLOAT16 = 16, FLOAT8E4M3FN = 17, FLOAT8E4M3FNUZ = 18, FLOAT8E5M2 = 19,
  FLOAT8E5M2FNUZ = 20, UINT4 = 21, INT4 = 22, FLOAT4E2M1 = 23, FLOAT8E8M0 = 24, UINT2 = 25, INT2 = 26,
}

const NAMES: readonly string[] = [
  'undefined', 'float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool',
  'float16', 'float64', 'uint32', 'uint64', 'complex64', 'complex128', 'bfloat16', 'float8e4m3fn',
  'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz', 'uint4', 'int4', 'float4e2m1', 'float8e8m0',
  'uint2', 'int2',
];

/** Bits per element as stored in raw_data (0 for string / unknown). */
const BITS: readonly number[] = [
  0, 32, 8, 8, 16, 16, 32, 64, 0, 8, 16, 64, 32, 64, 64, 128, 16, 8, 8, 8, 8, 4, 4, 4, 8, 2, 2,
];

/** numpy-style name for an ONNX data type code ("unknown" for codes we do not know). */
export function elemTypeName(code: number): string {
  return code > 0 && code < NAMES.length ? NAMES[code] : code === 0 ? 'unknown' : `type${code}`;
}

/** ONNX data type code for a numpy-style name; 0 when unknown. */
export function elemTypeCode(name: string): number {
  const i = NAMES.indexOf(name);
  return i > 0 ? i : 0;
}

/** Storage bits per element (4 for int4, 2 for int2, 0 for string/unknown). */
export function elemBits(code: number): number {
  return code >= 0 && code < BITS.length ? BITS[code] : 0;
}

/** Bytes needed to store `count` elements of this type in raw_data. */
export function rawByteLength(code: number, count: number): number {
  return Math.ceil((count * elemBits(code)) / 8);
}

export function isFloatType(name: string): boolean {
  return name.startsWith('float') || name === 'bfloat16';
}

// ---- small float formats -> float32 ----

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

export function bfloat16ToFloat32(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** float32 -> float16 bits, round to nearest even (used when writing replaced initializers). */
export function float32ToFloat16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

export function float32ToBfloat16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  if (Number.isNaN(v)) return 0x7fc0 | ((x >>> 16) & 0x8000);
  const lsb = (x >>> 16) & 1;
  return ((x + 0x7fff + lsb) >>> 16) & 0xffff;
}

/**
 * Generic minifloat decode: `e` exponent bits, `m` mantissa bits, `bias`.
 * `nanMode`: 'ieee' (all-ones exponent is inf/NaN), 'fn' (only all-ones is NaN, no inf),
 * 'fnuz' (0x80 is the single NaN, no negative zero, no inf), 'none' (no specials).
 */
function minifloat(bits: number, e: number, m: number, bias: number, nanMode: 'ieee' | 'fn' | 'fnuz' | 'none'): number {
  const total = 1 + e + m;
  const signBit = 1 << (total - 1);
  if (nanMode === 'fnuz' && bits === signBit) return NaN;
  const sign = bits & signBit ? -1 : 1;
  const exp = (bits >> m) & ((1 << e) - 1);
  const frac = bits & ((1 << m) - 1);
  const expMax = (1 << e) - 1;
  if (nanMode === 'ieee' && exp === expMax) return frac ? NaN : sign * Infinity;
  if (nanMode === 'fn' && exp === expMax && frac === (1 << m) - 1) return NaN;
  if (exp === 0) return sign * frac * 2 ** (1 - bias - m);
  return sign * (1 + frac / (1 << m)) * 2 ** (exp - bias);
}

export function float8e4m3fnToFloat32(b: number): number { return minifloat(b, 4, 3, 7, 'fn'); }
export function float8e4m3fnuzToFloat32(b: number): number { return minifloat(b, 4, 3, 8, 'fnuz'); }
export function float8e5m2ToFloat32(b: number): number { return minifloat(b, 5, 2, 15, 'ieee'); }
export function float8e5m2fnuzToFloat32(b: number): number { return minifloat(b, 5, 2, 16, 'fnuz'); }
export function float4e2m1ToFloat32(b: number): number { return minifloat(b & 0xf, 2, 1, 1, 'none'); }
/** E8M0: a pure power-of-two scale; 0xff is NaN. */
export function float8e8m0ToFloat32(b: number): number { return b === 0xff ? NaN : 2 ** (b - 127); }

/** Per-byte decoder for the 8-bit float formats, keyed by data type code. */
export function byteFloatDecoder(code: number): ((b: number) => number) | undefined {
  switch (code) {
    case DataType.FLOAT8E4M3FN: return float8e4m3fnToFloat32;
    case DataType.FLOAT8E4M3FNUZ: return float8e4m3fnuzToFloat32;
    case DataType.FLOAT8E5M2: return float8e5m2ToFloat32;
    case DataType.FLOAT8E5M2FNUZ: return float8e5m2fnuzToFloat32;
    case DataType.FLOAT8E8M0: return float8e8m0ToFloat32;
    default: return undefined;
  }
}

/**
 * Unpacks sub-byte elements (4- or 2-bit, first element in the least significant bits) to
 * float32. `signed` sign-extends; float4e2m1 is decoded as a minifloat.
 */
export function unpackSubByte(bytes: Uint8Array, count: number, code: number): Float32Array {
  const bits = elemBits(code);
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const out = new Float32Array(count);
  const signed = code === DataType.INT4 || code === DataType.INT2;
  for (let i = 0; i < count; i++) {
    const byte = bytes[(i / perByte) | 0] ?? 0;
    let v = (byte >> ((i % perByte) * bits)) & mask;
    if (code === DataType.FLOAT4E2M1) { out[i] = float4e2m1ToFloat32(v); continue; }
    if (signed && v & (1 << (bits - 1))) v -= 1 << bits;
    out[i] = v;
  }
  return out;
}
