// Explicit list of the CPU backend's kernels (tfjs's register_all_kernels.ts).

import { K, type KernelName } from '../kernelNames';
import { registerKernel, type KernelFunc } from '../registry';
import * as ew from './kernels/elementwise';
import * as rd from './kernels/reduce';
import * as mm from './kernels/matmul';
import * as cv from './kernels/conv';
import * as pl from './kernels/pool';
import * as nm from './kernels/norm';
import * as mv from './kernels/movement';
import * as ls from './kernels/loss';

export const CPU = 'cpu';

const kernels: [KernelName, KernelFunc][] = [
  [K.Add, ew.binaryKernel('Add')], [K.Sub, ew.binaryKernel('Sub')], [K.Mul, ew.binaryKernel('Mul')],
  [K.Div, ew.binaryKernel('Div')], [K.Pow, ew.binaryKernel('Pow')], [K.Max, ew.binaryKernel('Max')],
  [K.Min, ew.binaryKernel('Min')], [K.Equal, ew.binaryKernel('Equal')], [K.Less, ew.binaryKernel('Less')],
  [K.Greater, ew.binaryKernel('Greater')], [K.Where, ew.whereKernel],
  ...(['Neg', 'Abs', 'Exp', 'Log', 'Sqrt', 'Erf', 'Reciprocal', 'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Gelu', 'Clip', 'Sign'] as const)
    .map((n): [KernelName, KernelFunc] => [K[n], ew.unaryKernel(n)]),
  [K.UnaryGrad, ew.unaryGradKernel], [K.Cast, ew.castKernel], [K.Fill, ew.fillKernel], [K.Expand, ew.expandKernel],
  [K.ReduceSum, rd.reduceSumKernel], [K.ReduceMean, rd.reduceMeanKernel], [K.ReduceMax, rd.reduceMaxKernel],
  [K.SumSquares, rd.sumSquaresKernel],
  [K.Softmax, rd.softmaxKernel], [K.LogSoftmax, rd.logSoftmaxKernel],
  [K.SoftmaxGrad, rd.softmaxGradKernel], [K.LogSoftmaxGrad, rd.logSoftmaxGradKernel],
  [K.MatMul, mm.matMulKernel], [K.Gemm, mm.gemmKernel],
  [K.Conv, cv.convKernel], [K.ConvBackpropInput, cv.convBackpropInputKernel], [K.ConvBackpropFilter, cv.convBackpropFilterKernel],
  [K.MaxPool, pl.maxPoolKernel], [K.MaxPoolGrad, pl.maxPoolGradKernel],
  [K.AveragePool, pl.averagePoolKernel], [K.AveragePoolGrad, pl.averagePoolGradKernel],
  [K.BatchNorm, nm.batchNormKernel], [K.BatchNormGrad, nm.batchNormGradKernel],
  [K.LayerNorm, nm.layerNormKernel], [K.LayerNormGrad, nm.layerNormGradKernel], [K.DropoutMask, nm.dropoutMaskKernel],
  [K.Transpose, mv.transposeKernel], [K.Concat, mv.concatKernel], [K.Slice, mv.sliceKernel], [K.SliceGrad, mv.sliceGradKernel],
  [K.Gather, mv.gatherKernel], [K.GatherGrad, mv.gatherGradKernel],
  [K.GatherElements, mv.gatherElementsKernel], [K.GatherElementsGrad, mv.gatherElementsGradKernel],
  [K.Pad, mv.padKernel], [K.PadGrad, mv.padGradKernel], [K.Resize, mv.resizeKernel], [K.ResizeGrad, mv.resizeGradKernel],
  [K.NllLoss, ls.nllLossKernel], [K.NllLossGrad, ls.nllLossGradKernel],
];

export function registerCpuKernels(): void {
  for (const [kernelName, kernelFunc] of kernels) registerKernel({ kernelName, backendName: CPU, kernelFunc });
}
