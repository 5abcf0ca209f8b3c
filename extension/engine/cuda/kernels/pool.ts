// Max and average pooling and their gradients on CUDA, on the same offset tables as im2col.
// MaxPool's indices stay on the device (int32 storage of the int64 output).

import { K } from '../../kernelNames';
import { sizeOf, type Tensor } from '../../tensor';
import { offsetTable } from '../../cpu/kernels/conv';
import { poolOutShape, type PoolAttrs } from '../../cpu/kernels/pool';
import { DeviceTensor, empty, ptrOf, zerosOn } from '../deviceTensor';
import { cpuKernel, rt } from './util';

function geometry(xShape: readonly number[], a: PoolAttrs) {
  const yShape = poolOutShape(xShape, a);
  const inSp = xShape.slice(2), outSp = yShape.slice(2);
  const key = `pool|${inSp}|${outSp}|${a.kernelShape}|${a.strides}|${a.pads}|${a.dilations}`;
  const table = rt().table(key, () => offsetTable(inSp, outSp, a.kernelShape, { strides: a.strides, pads: a.pads, dilations: a.dilations, group: 1 }));
  return { yShape, table, KK: sizeOf(a.kernelShape), P: sizeOf(outSp), inSize: sizeOf(inSp), NC: xShape[0] * xShape[1] };
}

export function maxPoolKernel(inputs: Tensor[], a: PoolAttrs): Tensor[] {
  const [x] = inputs;
  if (x.dtype !== 'float32' || a.storageOrder === 1 || x.size === 0 || x.size >= 2 ** 31) return cpuKernel(K.MaxPool)(inputs, a) as Tensor[];
  const r = rt(), { yShape, table, KK, P, inSize, NC } = geometry(x.shape, a);
  const y = empty(r, 'float32', yShape), idx = empty(r, 'int64', yShape);
  r.launch1d('maxpool', NC * P, 'ppppiiii', [ptrOf(r, x), y.buf.ptr, idx.buf.ptr, table.ptr, NC, KK, P, inSize]);
  return [y, idx];
}

export function maxPoolGradKernel(inputs: Tensor[], attrs: { xShape: number[] }): Tensor {
  const [dy, idx] = inputs;
  if (dy.dtype !== 'float32' || !(idx instanceof DeviceTensor) || dy.size === 0) return cpuKernel(K.MaxPoolGrad)(inputs, attrs) as Tensor;
  const r = rt(), dx = zerosOn(r, 'float32', attrs.xShape);
  r.launch1d('maxpool_grad', dy.size, 'pppl', [ptrOf(r, dy), ptrOf(r, idx), dx.buf.ptr, dy.size]);
  return dx;
}

export function averagePoolKernel(inputs: Tensor[], a: PoolAttrs): Tensor {
  const [x] = inputs;
  if (x.dtype !== 'float32' || a.countIncludePad || x.size === 0) return cpuKernel(K.AveragePool)(inputs, a) as Tensor;
  const r = rt(), { yShape, table, KK, P, inSize, NC } = geometry(x.shape, a);
  const y = empty(r, 'float32', yShape);
  r.launch1d('avgpool', NC * P, 'pppiiii', [ptrOf(r, x), y.buf.ptr, table.ptr, NC, KK, P, inSize]);
  return y;
}

export function averagePoolGradKernel(inputs: Tensor[], a: PoolAttrs & { xShape: number[] }): Tensor {
  const [dy] = inputs;
  if (dy.dtype !== 'float32' || a.countIncludePad || dy.size === 0) return cpuKernel(K.AveragePoolGrad)(inputs, a) as Tensor;
  const r = rt(), { table, KK, P, inSize, NC } = geometry(a.xShape, a);
  const dx = zerosOn(r, 'float32', a.xShape);
  r.launch1d('avgpool_grad', NC * P, 'pppiiii', [ptrOf(r, dy), dx.buf.ptr, table.ptr, NC, KK, P, inSize]);
  return dx;
}
