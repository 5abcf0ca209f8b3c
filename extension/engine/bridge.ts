// Conversions between engine tensors and the ONNX core's values (TensorRef / HostTensor,
// numpy-style elemType names, int64 as BigInt64Array).

import type { TensorData, TensorRef } from '../onnx/model';
import type { HostTensor } from '../inference/types';
import { allocArray, Tensor, type DType } from './tensor';

const SUPPORTED = new Set<string>([
  'float32', 'float64', 'float16', 'bfloat16', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool',
]);

export function engineDType(elemType: string, what = 'tensor'): DType {
  if (!SUPPORTED.has(elemType)) throw new Error(`${what}: element type ${elemType} is not supported by the engine`);
  return elemType as DType;
}

export function tensorFromData(elemType: string, dims: readonly number[], data: TensorData, what = 'tensor'): Tensor {
  const dtype = engineDType(elemType, what);
  if (Array.isArray(data)) throw new Error(`${what}: string tensors are not supported by the engine`);
  const arr = allocArray(dtype, data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) for (let i = 0; i < data.length; i++) arr[i] = Number(data[i]);
  else arr.set(data as ArrayLike<number>);
  return new Tensor(dtype, dims.slice(), arr);
}

export function tensorFromRef(ref: TensorRef): Tensor {
  return tensorFromData(ref.elemType, ref.dims, ref.data(), `initializer "${ref.name}"`);
}

export function tensorFromHost(h: HostTensor, what = 'input'): Tensor {
  return tensorFromData(h.elemType, h.dims, h.data, what);
}

/** Values in the ONNX core's storage convention (int64 → BigInt64Array, bool → Uint8Array…). */
export function toOnnxData(t: Tensor): Exclude<TensorData, string[]> {
  const d = t.data;
  switch (t.dtype) {
    case 'int64': return BigInt64Array.from(d as Float64Array, (v) => BigInt(v));
    case 'uint64': return BigUint64Array.from(d as Float64Array, (v) => BigInt(v));
    case 'uint32': return Uint32Array.from(d as Float64Array);
    default: return d;
  }
}

export function toHost(t: Tensor): HostTensor {
  return { dims: t.shape.slice(), elemType: t.dtype, data: toOnnxData(t) };
}
