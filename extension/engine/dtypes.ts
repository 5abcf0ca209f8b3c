// ONNX TensorProto.DataType numbers ↔ engine dtypes.

import type { DType } from './tensor';

export const ONNX_TO_DTYPE: Record<number, DType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};

export const ONNX_TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'STRING',
  9: 'BOOL', 10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64', 15: 'COMPLEX128',
  16: 'BFLOAT16', 17: 'FLOAT8E4M3FN', 18: 'FLOAT8E4M3FNUZ', 19: 'FLOAT8E5M2', 20: 'FLOAT8E5M2FNUZ',
  21: 'UINT4', 22: 'INT4', 23: 'FLOAT4E2M1', 24: 'FLOAT8E8M0', 25: 'UINT2', 26: 'INT2',
};

export const DTYPE_TO_ONNX: Record<DType, number> = Object.fromEntries(
  Object.entries(ONNX_TO_DTYPE).map(([k, v]) => [v, Number(k)]),
) as Record<DType, number>;

export function dtypeFromOnnx(t: number, what = 'tensor'): DType {
  const d = ONNX_TO_DTYPE[t];
  if (!d) throw new Error(`${what}: element type ${ONNX_TYPE_NAMES[t] ?? t} is not supported by the engine`);
  return d;
}
