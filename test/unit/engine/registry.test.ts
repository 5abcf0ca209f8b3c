// Kernel registry: duplicates throw; the CPU backend implements every named kernel; every
// op the issue lists is known to the engine.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerKernel, getKernel } from '../../../extension/engine/registry';
import { K } from '../../../extension/engine/kernelNames';
import { cpuBackend } from '../../../extension/engine/cpu/backend';
import { getOp } from '../../../extension/engine/ops';

test('registering a kernel twice throws', () => {
  cpuBackend();
  assert.throws(() => registerKernel({ kernelName: K.Add, backendName: 'cpu', kernelFunc: () => [] }), /already registered/);
});

test('the CPU backend implements every kernel name', () => {
  cpuBackend();
  for (const name of Object.values(K)) assert.ok(getKernel(name, 'cpu'), name);
});

test('every op of the issue is supported', () => {
  const ops = `Gemm MatMul Add Sub Mul Div Pow Sqrt Exp Log Erf Neg Abs Relu LeakyRelu Sigmoid Tanh Gelu Clip Softmax
    LogSoftmax Conv ConvTranspose MaxPool AveragePool GlobalAveragePool BatchNormalization LayerNormalization Dropout
    Flatten Reshape Transpose Concat Split Slice Gather Squeeze Unsqueeze Expand Pad Resize ReduceMean ReduceSum
    ReduceMax Where Equal Cast Identity Constant ConstantOfShape Shape SoftmaxCrossEntropyLoss NegativeLogLikelihoodLoss`.split(/\s+/);
  for (const op of ops) assert.ok(getOp(op), op);
  assert.equal(getOp('NonMaxSuppression'), undefined);
});
