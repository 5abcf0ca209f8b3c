// Plain tensors that cross between inference, the engine, the CLI and the UI. Values follow the
// ONNX reader's convention (extension/onnx/model.ts TensorData): float16/bfloat16 are held as
// float32 values, bool as 0/1 in a Uint8Array, int64 in a BigInt64Array; `elemType` names the
// element type the tensor is stored as.
import type { TensorData } from '../onnx/model';

export type { TensorData };

export type TypedArray = Exclude<TensorData, string[]>;

export interface HostTensor {
  dims: number[];
  /** numpy-style element type name: float32, float16, int64, bool, string, … */
  elemType: string;
  data: TensorData;
}

export type ProviderChoice = 'auto' | 'cpu' | 'cuda';

/** The neuralLens.inference.provider setting's value as a choice ('auto' for anything else). */
export function asProviderChoice(v: unknown): ProviderChoice {
  return v === 'cpu' || v === 'cuda' ? v : 'auto';
}

/** Why input or a model could not be run: says what was wrong and what to do. */
export class InferenceError extends Error {
  override readonly name = 'InferenceError';
  constructor(message: string, readonly hint = '') {
    super(message);
  }
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
