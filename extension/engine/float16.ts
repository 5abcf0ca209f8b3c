// float16 and bfloat16 rounding for the engine's Cast: tensors of these dtypes hold float32
// values already rounded to the format. The bit conversions (round to nearest even) live with
// the other ONNX element types, which read and write these formats.
import { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from '../onnx/dataTypes';

export const roundToHalf = (v: number): number => float16ToFloat32(float32ToFloat16(v));
export const roundToBf16 = (v: number): number => bfloat16ToFloat32(float32ToBfloat16(v));
