// Explicit list of the CUDA backend's kernels (tfjs's register_all_kernels.ts). Every kernel
// name in kernelNames.ts is registered: the ones in CUDA_KERNELS run on the GPU (each hands
// cases it does not cover — other dtypes, rank > 6 — to the CPU kernel); the rest run the
// CPU kernel on host copies of their inputs (DeviceTensor.data downloads on first read).

import { K, type KernelName } from '../kernelNames';
import { registerKernel, type KernelFunc } from '../registry';
import * as ew from './kernels/elementwise';
import * as rd from './kernels/reduce';
import * as mm from './kernels/matmul';
import * as cv from './kernels/conv';
import * as pl from './kernels/pool';
import * as nm from './kernels/norm';
import * as ls from './kernels/loss';
import { cpuKernel } from './kernels/util';

export const CUDA = 'cuda';

const UNARY = ['Neg', 'Abs', 'Exp', 'Log', 'Sqrt', 'Erf', 'Reciprocal', 'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Gelu', 'Clip', 'Sign'] as const;

export const CUDA_KERNELS: [KernelName, KernelFunc][] = [
  [K.Add, ew.binaryKernel('Add')], [K.Sub, ew.binaryKernel('Sub')], [K.Mul, ew.binaryKernel('Mul')],
  [K.Div, ew.binaryKernel('Div')], [K.Pow, ew.binaryKernel('Pow')], [K.Max, ew.binaryKernel('Max')], [K.Min, ew.binaryKernel('Min')],
  ...UNARY.map((n): [KernelName, KernelFunc] => [K[n], ew.unaryKernel(n)]),
  [K.UnaryGrad, ew.unaryGradKernel], [K.Cast, ew.castKernel], [K.Fill, ew.fillKernel], [K.Expand, ew.expandKernel],
  [K.ReduceSum, rd.reduceSumKernel], [K.ReduceMean, rd.reduceMeanKernel], [K.ReduceMax, rd.reduceMaxKernel],
  [K.SumSquares, rd.sumSquaresKernel],
  [K.Softmax, rd.softmaxKernel], [K.LogSoftmax, rd.logSoftmaxKernel],
  [K.SoftmaxGrad, rd.softmaxGradKernel], [K.LogSoftmaxGrad, rd.logSoftmaxGradKernel], [K.Transpose, rd.transposeKernel],
  [K.MatMul, mm.matMulKernel], [K.Gemm, mm.gemmKernel],
  [K.Conv, cv.convKernel], [K.ConvBackpropInput, cv.convBackpropInputKernel], [K.ConvBackpropFilter, cv.convBackpropFilterKernel],
  [K.MaxPool, pl.maxPoolKernel], [K.MaxPoolGrad, pl.maxPoolGradKernel],
  [K.AveragePool, pl.averagePoolKernel], [K.AveragePoolGrad, pl.averagePoolGradKernel],
  [K.BatchNorm, nm.batchNormKernel], [K.BatchNormGrad, nm.batchNormGradKernel],
  [K.NllLoss, ls.nllLossKernel], [K.NllLossGrad, ls.nllLossGradKernel],
];

/** Kernels that run on the CPU on host copies (comparisons, data movement, LayerNorm, dropout masks). */
export const CPU_FALLBACK_KERNELS: KernelName[] = (Object.values(K) as KernelName[])
  .filter((k) => !CUDA_KERNELS.some(([n]) => n === k));

export function registerCudaKernels(): void {
  for (const [kernelName, kernelFunc] of CUDA_KERNELS) registerKernel({ kernelName, backendName: CUDA, kernelFunc });
  for (const kernelName of CPU_FALLBACK_KERNELS) registerKernel({ kernelName, backendName: CUDA, kernelFunc: cpuKernel(kernelName) });
}
