// Every kernel a backend may implement, named once (tfjs's kernel_names.ts). Ops call kernels
// only through these constants, so a new backend (CUDA) implements exactly this list.

export const K = {
  // elementwise, broadcasting binary
  Add: 'Add', Sub: 'Sub', Mul: 'Mul', Div: 'Div', Pow: 'Pow', Max: 'Max', Min: 'Min',
  Equal: 'Equal', Less: 'Less', Greater: 'Greater', Where: 'Where',
  // unary (attrs: alpha/min/max/approximate where relevant)
  Neg: 'Neg', Abs: 'Abs', Exp: 'Exp', Log: 'Log', Sqrt: 'Sqrt', Erf: 'Erf', Reciprocal: 'Reciprocal',
  Relu: 'Relu', LeakyRelu: 'LeakyRelu', Sigmoid: 'Sigmoid', Tanh: 'Tanh', Gelu: 'Gelu',
  Clip: 'Clip', Sign: 'Sign', Cast: 'Cast', Fill: 'Fill',
  // fused elementwise gradients: (dy, x or y) → dx
  UnaryGrad: 'UnaryGrad',
  // reductions
  ReduceSum: 'ReduceSum', ReduceMean: 'ReduceMean', ReduceMax: 'ReduceMax', SumSquares: 'SumSquares',
  Softmax: 'Softmax', LogSoftmax: 'LogSoftmax', SoftmaxGrad: 'SoftmaxGrad', LogSoftmaxGrad: 'LogSoftmaxGrad',
  // linear algebra / convolution
  MatMul: 'MatMul', Gemm: 'Gemm',
  Conv: 'Conv', ConvBackpropInput: 'ConvBackpropInput', ConvBackpropFilter: 'ConvBackpropFilter',
  MaxPool: 'MaxPool', MaxPoolGrad: 'MaxPoolGrad', AveragePool: 'AveragePool', AveragePoolGrad: 'AveragePoolGrad',
  // normalization
  BatchNorm: 'BatchNorm', BatchNormGrad: 'BatchNormGrad', LayerNorm: 'LayerNorm', LayerNormGrad: 'LayerNormGrad',
  DropoutMask: 'DropoutMask',
  // data movement
  Transpose: 'Transpose', Concat: 'Concat', Slice: 'Slice', SliceGrad: 'SliceGrad',
  Gather: 'Gather', GatherGrad: 'GatherGrad', GatherElements: 'GatherElements', GatherElementsGrad: 'GatherElementsGrad',
  Expand: 'Expand', Pad: 'Pad', PadGrad: 'PadGrad', Resize: 'Resize', ResizeGrad: 'ResizeGrad',
  // losses
  NllLoss: 'NllLoss', NllLossGrad: 'NllLossGrad',
} as const;

export type KernelName = (typeof K)[keyof typeof K];
