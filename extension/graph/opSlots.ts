// Formal input/output names of common ops, so ports read "W" and "B" rather than "input 1".
// Not exhaustive: anything missing falls back to "input k" / "output k".

interface Slots { inputs: string[]; outputs?: string[] }

const TABLE: Record<string, Slots> = {
  Conv: { inputs: ['X', 'W', 'B'], outputs: ['Y'] },
  ConvTranspose: { inputs: ['X', 'W', 'B'], outputs: ['Y'] },
  ConvInteger: { inputs: ['x', 'w', 'x_zero_point', 'w_zero_point'], outputs: ['y'] },
  QLinearConv: { inputs: ['x', 'x_scale', 'x_zero_point', 'w', 'w_scale', 'w_zero_point', 'y_scale', 'y_zero_point', 'B'], outputs: ['y'] },
  Gemm: { inputs: ['A', 'B', 'C'], outputs: ['Y'] },
  MatMul: { inputs: ['A', 'B'], outputs: ['Y'] },
  MatMulInteger: { inputs: ['A', 'B', 'a_zero_point', 'b_zero_point'], outputs: ['Y'] },
  QLinearMatMul: { inputs: ['a', 'a_scale', 'a_zero_point', 'b', 'b_scale', 'b_zero_point', 'y_scale', 'y_zero_point'], outputs: ['y'] },
  Add: { inputs: ['A', 'B'], outputs: ['C'] },
  Sub: { inputs: ['A', 'B'], outputs: ['C'] },
  Mul: { inputs: ['A', 'B'], outputs: ['C'] },
  Div: { inputs: ['A', 'B'], outputs: ['C'] },
  Pow: { inputs: ['X', 'Y'], outputs: ['Z'] },
  Equal: { inputs: ['A', 'B'], outputs: ['C'] },
  PRelu: { inputs: ['X', 'slope'], outputs: ['Y'] },
  Relu: { inputs: ['X'], outputs: ['Y'] },
  Sigmoid: { inputs: ['X'], outputs: ['Y'] },
  Tanh: { inputs: ['input'], outputs: ['output'] },
  Softmax: { inputs: ['input'], outputs: ['output'] },
  LogSoftmax: { inputs: ['input'], outputs: ['output'] },
  Clip: { inputs: ['input', 'min', 'max'], outputs: ['output'] },
  Where: { inputs: ['condition', 'X', 'Y'], outputs: ['output'] },
  BatchNormalization: { inputs: ['X', 'scale', 'B', 'input_mean', 'input_var'], outputs: ['Y', 'running_mean', 'running_var'] },
  LayerNormalization: { inputs: ['X', 'Scale', 'B'], outputs: ['Y', 'Mean', 'InvStdDev'] },
  InstanceNormalization: { inputs: ['input', 'scale', 'B'], outputs: ['output'] },
  GroupNormalization: { inputs: ['X', 'scale', 'bias'], outputs: ['Y'] },
  Dropout: { inputs: ['data', 'ratio', 'training_mode'], outputs: ['output', 'mask'] },
  MaxPool: { inputs: ['X'], outputs: ['Y', 'Indices'] },
  AveragePool: { inputs: ['X'], outputs: ['Y'] },
  GlobalAveragePool: { inputs: ['X'], outputs: ['Y'] },
  Reshape: { inputs: ['data', 'shape'], outputs: ['reshaped'] },
  Flatten: { inputs: ['input'], outputs: ['output'] },
  Transpose: { inputs: ['data'], outputs: ['transposed'] },
  Squeeze: { inputs: ['data', 'axes'], outputs: ['squeezed'] },
  Unsqueeze: { inputs: ['data', 'axes'], outputs: ['expanded'] },
  Expand: { inputs: ['input', 'shape'], outputs: ['output'] },
  Slice: { inputs: ['data', 'starts', 'ends', 'axes', 'steps'], outputs: ['output'] },
  Gather: { inputs: ['data', 'indices'], outputs: ['output'] },
  GatherElements: { inputs: ['data', 'indices'], outputs: ['output'] },
  Split: { inputs: ['input', 'split'] },
  Pad: { inputs: ['data', 'pads', 'constant_value', 'axes'], outputs: ['output'] },
  Tile: { inputs: ['input', 'repeats'], outputs: ['output'] },
  TopK: { inputs: ['X', 'K'], outputs: ['Values', 'Indices'] },
  Range: { inputs: ['start', 'limit', 'delta'], outputs: ['output'] },
  Resize: { inputs: ['X', 'roi', 'scales', 'sizes'], outputs: ['Y'] },
  Shape: { inputs: ['data'], outputs: ['shape'] },
  ConstantOfShape: { inputs: ['input'], outputs: ['output'] },
  Cast: { inputs: ['input'], outputs: ['output'] },
  ReduceMean: { inputs: ['data', 'axes'], outputs: ['reduced'] },
  ReduceSum: { inputs: ['data', 'axes'], outputs: ['reduced'] },
  ReduceMax: { inputs: ['data', 'axes'], outputs: ['reduced'] },
  SoftmaxCrossEntropyLoss: { inputs: ['scores', 'labels', 'weights'], outputs: ['output', 'log_prob'] },
  NegativeLogLikelihoodLoss: { inputs: ['input', 'target', 'weight'], outputs: ['loss'] },
  QuantizeLinear: { inputs: ['x', 'y_scale', 'y_zero_point'], outputs: ['y'] },
  DequantizeLinear: { inputs: ['x', 'x_scale', 'x_zero_point'], outputs: ['y'] },
  LSTM: { inputs: ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h', 'initial_c', 'P'], outputs: ['Y', 'Y_h', 'Y_c'] },
  GRU: { inputs: ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h'], outputs: ['Y', 'Y_h'] },
  RNN: { inputs: ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h'], outputs: ['Y', 'Y_h'] },
  Attention: { inputs: ['Q', 'K', 'V', 'attn_mask', 'past_key', 'past_value'], outputs: ['Y', 'present_key', 'present_value'] },
  If: { inputs: ['cond'] },
  Loop: { inputs: ['M', 'cond'] },
};

/** Slot name of input `k` of an op in the default domain. */
export function inputSlot(domain: string, opType: string, k: number): string {
  const s = domain === '' ? TABLE[opType] : undefined;
  return s?.inputs[k] ?? `input ${k}`;
}

export function outputSlot(domain: string, opType: string, k: number): string {
  const s = domain === '' ? TABLE[opType] : undefined;
  return s?.outputs?.[k] ?? `output ${k}`;
}
