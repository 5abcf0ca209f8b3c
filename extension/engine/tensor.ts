// Tensors: a dtype, a shape and a flat row-major typed array. Immutable by convention —
// kernels always allocate their outputs, so a tensor saved for backward stays valid.
//
// Storage per dtype: float32 → Float32Array, float64 → Float64Array, float16/bfloat16 →
// Float32Array holding values already rounded to that format, small ints → their native
// typed arrays (so integer arithmetic wraps like C), bool → Uint8Array, and int64/uint64/
// uint32 → Float64Array: indices and shapes are far below 2^53, and plain numbers keep
// every kernel free of BigInt. Conversion to/from BigInt64Array happens at the ONNX edges.

export type DType =
  | 'float32' | 'float64' | 'float16' | 'bfloat16'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'bool';

export type TypedArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array;

type ArrayCtor = { new (n: number): TypedArray; new (a: ArrayLike<number>): TypedArray };

const STORAGE: Record<DType, ArrayCtor> = {
  float32: Float32Array, float64: Float64Array, float16: Float32Array, bfloat16: Float32Array,
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array,
  uint32: Float64Array, int64: Float64Array, uint64: Float64Array, bool: Uint8Array,
};

export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

/** A new zeroed array for n elements of dtype (float32 storage may come from the recycle pool). */
export function allocArray(dtype: DType, n: number): TypedArray {
  if (n >= POOL_MIN && STORAGE[dtype] === Float32Array) {
    const a = pool.get(n)?.pop();
    if (a) { pooledBytes -= a.byteLength; a.fill(0); return a; }
  }
  return new STORAGE[dtype](n);
}

/**
 * float32 storage for a kernel that writes every element before anything reads it (a GEMM
 * with beta = 0, a copy): a recycled array is handed out as it is, without zeroing.
 */
export function allocFloat32Uninit(n: number): Float32Array {
  if (n >= POOL_MIN) {
    const a = pool.get(n)?.pop();
    if (a) { pooledBytes -= a.byteLength; return a; }
  }
  return new Float32Array(n);
}

// Recycled float32 storage. A training step allocates the same large arrays every step
// (activations, their gradients, weight gradients); handing them back once the step is over
// saves the allocator and the garbage collector most of that work. Only the trainer gives
// arrays back, and only arrays no live tensor uses (see Executor.recycle).
const POOL_MIN = 1024, POOL_PER_SIZE = 8, POOL_MAX_BYTES = 64 << 20;
const pool = new Map<number, Float32Array[]>();
let pooledBytes = 0;
let generation = 0;

/** Gives float32 arrays back for reuse by allocArray. The caller guarantees nothing reads or writes them any more. */
export function recycleArrays(arrays: Iterable<TypedArray>): void {
  generation++;
  const seen = new Set<TypedArray>();
  for (const a of arrays) {
    if (!(a instanceof Float32Array) || a.length < POOL_MIN || seen.has(a)) continue;
    seen.add(a);
    // whole, unshared buffers only (a subarray view would hand out memory its owner still uses)
    if (a.byteOffset !== 0 || a.buffer.byteLength !== a.byteLength || !(a.buffer instanceof ArrayBuffer)) continue;
    if (pooledBytes + a.byteLength > POOL_MAX_BYTES) continue;
    let list = pool.get(a.length);
    if (!list) { list = []; pool.set(a.length, list); }
    if (list.length >= POOL_PER_SIZE || list.includes(a)) continue;
    list.push(a);
    pooledBytes += a.byteLength;
  }
}

/** Bumped by every recycleArrays call: caches keyed by array identity compare it to know the identity still means the same data. */
export function storageGeneration(): number {
  return generation;
}

/** Empties the recycle pool (e.g. when training ends). */
export function releasePooledArrays(): void {
  pool.clear();
  pooledBytes = 0;
  generation++;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

let nextId = 1;

export class Tensor {
  readonly id = nextId++;
  readonly size: number;

  constructor(readonly dtype: DType, readonly shape: readonly number[], readonly data: TypedArray) {
    this.size = sizeOf(shape);
    if (data.length !== this.size) {
      throw new Error(`Tensor data length ${data.length} does not match shape ${shapeStr(shape)}`);
    }
  }

  get rank(): number { return this.shape.length; }

  /** Identifies the memory behind `data`: tensors with the same key share it (views, reshapes). */
  get storageKey(): object { return this.data.buffer; }

  static zeros(dtype: DType, shape: readonly number[]): Tensor {
    return new Tensor(dtype, shape.slice(), allocArray(dtype, sizeOf(shape)));
  }

  static from(dtype: DType, shape: readonly number[], values: ArrayLike<number>): Tensor {
    const a = allocArray(dtype, values.length);
    a.set(values as ArrayLike<number>);
    return new Tensor(dtype, shape.slice(), a);
  }

  static scalar(value: number, dtype: DType = 'float32'): Tensor {
    return Tensor.from(dtype, [], [value]);
  }

  /**
   * Same data, new shape (no copy). Kernels never change their inputs' data, except a gradient
   * the executor marks as the backward's own (BackwardArgs.dyOwned) and an op then asks a kernel
   * to overwrite (UnaryGrad's inPlace).
   */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.dtype, shape.slice(), this.data);
  }

  /** Values as plain numbers (for shapes, axes, indices). */
  toNumbers(): number[] {
    return Array.from(this.data as ArrayLike<number>);
  }

  clone(): Tensor {
    return new Tensor(this.dtype, this.shape.slice(), this.data.slice());
  }

  toString(): string {
    return `Tensor(${this.dtype}, ${shapeStr(this.shape)})`;
  }
}
