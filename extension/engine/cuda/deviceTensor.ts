// Tensors that live on the GPU. A DeviceTensor is an engine Tensor whose `data` is fetched
// from the device on first read, so every op, CPU kernel and test that reads `.data` keeps
// working; CUDA kernels take its device pointer and never copy.
//
// Storage on the device: float32 as f32; integer and bool dtypes (indices, targets) as int32.
// Other dtypes (float64, float16, bfloat16) stay on the host and their kernels run on the CPU.

import { allocArray, sizeOf, Tensor, type DType, type TypedArray } from '../tensor';
import type { CudaRuntime, DeviceBuffer } from './runtime';

export type Storage = 'f32' | 'i32';

export function storageOf(dtype: DType): Storage | undefined {
  if (dtype === 'float32') return 'f32';
  if (dtype === 'int64' || dtype === 'int32' || dtype === 'bool' || dtype === 'uint8' || dtype === 'int8' || dtype === 'int16' || dtype === 'uint16') return 'i32';
  return undefined;
}

export class DeviceTensor extends Tensor {
  readonly buf: DeviceBuffer;

  constructor(dtype: DType, shape: readonly number[], buf: DeviceBuffer) {
    // The base class checks only data.length; `data` becomes a lazy download just below.
    super(dtype, shape, { length: sizeOf(shape) } as unknown as TypedArray);
    this.buf = buf;
    Object.defineProperty(this, 'data', { get: () => this.download(), enumerable: true, configurable: true });
  }

  get storage(): Storage { return storageOf(this.dtype)!; }

  /** The device buffer (reading `data` would download it). */
  override get storageKey(): object { return this.buf; }

  private download(): TypedArray {
    const b = this.buf;
    if (!b.host) {
      const out = allocArray(this.dtype, this.size);
      if (this.storage === 'f32' || out instanceof Int32Array) b.rt.addon.download(out, b.ptr);
      else {
        const tmp = new Int32Array(this.size);
        b.rt.addon.download(tmp, b.ptr);
        out.set(tmp);
      }
      b.host = out;
    }
    return b.host as TypedArray;
  }

  override reshape(shape: readonly number[]): Tensor {
    return new DeviceTensor(this.dtype, shape.slice(), this.buf);
  }

  override clone(): Tensor {
    const b = this.buf.rt.alloc(this.buf.bytes);
    this.buf.rt.addon.copy(b.ptr, this.buf.devicePtr(), this.buf.bytes);
    return new DeviceTensor(this.dtype, this.shape.slice(), b);
  }
}

/**
 * A float32 copy of t's values. A device tensor's are downloaded without keeping a host copy on
 * it: one kept would be uploaded again before each later use on the device (checkpoints read
 * every weight, and frozen weights are never replaced by the optimizer).
 */
export function hostCopyF32(t: Tensor): Float32Array {
  if (!(t instanceof DeviceTensor) || t.buf.host || t.storage !== 'f32') return Float32Array.from(t.data as Float32Array);
  const a = new Float32Array(t.size);
  t.buf.rt.addon.download(a, t.buf.ptr);
  return a;
}

export function onDevice(t: Tensor): boolean {
  return storageOf(t.dtype) !== undefined;
}

/** A device pointer for t: its own buffer, or a fresh upload of a host tensor. */
export function ptrOf(rt: CudaRuntime, t: Tensor): number {
  if (t instanceof DeviceTensor) return t.buf.devicePtr();
  return upload(rt, t).buf.ptr;
}

export function upload(rt: CudaRuntime, t: Tensor): DeviceTensor {
  const st = storageOf(t.dtype);
  if (!st) throw new Error(`CUDA backend: dtype ${t.dtype} is not kept on the device`);
  const b = rt.alloc(t.size * 4);
  const src = st === 'f32' ? (t.data instanceof Float32Array ? t.data : Float32Array.from(t.data)) : (t.data instanceof Int32Array ? t.data : Int32Array.from(t.data));
  rt.addon.upload(b.ptr, src);
  return new DeviceTensor(t.dtype, t.shape, b);
}

/** A new uninitialized device tensor. */
export function empty(rt: CudaRuntime, dtype: DType, shape: readonly number[]): DeviceTensor {
  return new DeviceTensor(dtype, shape.slice(), rt.alloc(sizeOf(shape) * 4));
}

export function zerosOn(rt: CudaRuntime, dtype: DType, shape: readonly number[]): DeviceTensor {
  return new DeviceTensor(dtype, shape.slice(), rt.zeros(sizeOf(shape) * 4));
}
