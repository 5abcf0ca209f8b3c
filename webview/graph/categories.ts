/** Op type → display category (box colour). Pure. */

export type OpCategory =
  | 'linear' // conv / matmul / gemm
  | 'activation'
  | 'normalization'
  | 'pooling'
  | 'shape' // shape & tensor plumbing
  | 'math' // element-wise & reductions
  | 'control' // If/Loop/Scan and function calls
  | 'unknown';

const TABLE: Record<Exclude<OpCategory, 'math' | 'unknown'>, string[]> = {
  linear: [
    'Conv', 'ConvTranspose', 'ConvInteger', 'QLinearConv', 'Gemm', 'MatMul', 'MatMulInteger', 'QLinearMatMul',
    'Einsum', 'Attention', 'MultiHeadAttention', 'FusedConv', 'FusedMatMul', 'DeformConv', 'RNN', 'GRU', 'LSTM',
  ],
  activation: [
    'Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'HardSigmoid', 'Tanh', 'Gelu', 'FastGelu', 'BiasGelu', 'Elu', 'Selu',
    'Celu', 'Softmax', 'LogSoftmax', 'Softplus', 'Softsign', 'HardSwish', 'Mish', 'ThresholdedRelu', 'Swish', 'QuickGelu',
    'Hardmax',
  ],
  normalization: [
    'BatchNormalization', 'LayerNormalization', 'InstanceNormalization', 'GroupNormalization', 'LpNormalization',
    'LRN', 'MeanVarianceNormalization', 'SkipLayerNormalization', 'SimplifiedLayerNormalization', 'RMSNormalization',
    'Dropout',
  ],
  pooling: ['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool', 'LpPool', 'MaxRoiPool', 'RoiAlign', 'MaxUnpool'],
  shape: [
    'Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Concat', 'Split', 'Slice', 'Gather', 'GatherElements',
    'GatherND', 'Scatter', 'ScatterElements', 'ScatterND', 'Expand', 'Tile', 'Pad', 'Shape', 'Size', 'Cast', 'CastLike',
    'Constant', 'ConstantOfShape', 'Identity', 'Resize', 'Upsample', 'DepthToSpace', 'SpaceToDepth', 'OneHot',
    'Range', 'NonZero', 'TopK', 'Compress', 'QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear', 'EyeLike',
    'Trilu', 'SplitToSequence', 'SequenceAt', 'SequenceConstruct', 'ConcatFromSequence', 'Col2Im', 'CenterCropPad',
  ],
  control: ['If', 'Loop', 'Scan'],
};

const LOOKUP = new Map<string, OpCategory>();
for (const [cat, ops] of Object.entries(TABLE)) for (const op of ops) LOOKUP.set(op, cat as OpCategory);

export function opCategory(opType: string, opts?: { unknownOp?: boolean; functionCall?: boolean }): OpCategory {
  if (opts?.functionCall) return 'control';
  const c = LOOKUP.get(opType);
  if (c) return c;
  if (opts?.unknownOp) return 'unknown';
  return 'math';
}

export const CATEGORY_LABELS: Record<OpCategory, string> = {
  linear: 'Conv / linear',
  activation: 'Activation',
  normalization: 'Normalization',
  pooling: 'Pooling',
  shape: 'Shape / tensor',
  math: 'Math',
  control: 'Control flow / function',
  unknown: 'Unknown op',
};
