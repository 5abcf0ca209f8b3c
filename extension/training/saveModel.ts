// Writes the model back with its trained initializers (and BatchNorm running statistics)
// through the ONNX writer; everything else in the file is preserved.

import type { OnnxModel } from '../onnx/model';
import { writeModel, writeModelFileAtomic, type ReplacementValues } from '../onnx/writer';
import { toOnnxData } from '../engine/bridge';
import type { Tensor } from '../engine/tensor';

export function encodeTrainedModel(model: OnnxModel, trained: Map<string, Tensor>): Uint8Array {
  const replaceInitializers = new Map<string, ReplacementValues>();
  for (const [name, t] of trained) if (model.graph.initializers.has(name)) replaceInitializers.set(name, toOnnxData(t) as ReplacementValues);
  return writeModel(model, { replaceInitializers });
}

export async function saveTrainedModel(file: string, model: OnnxModel, trained: Map<string, Tensor>): Promise<void> {
  await writeModelFileAtomic(file, encodeTrainedModel(model, trained));
}
