// NegativeLogLikelihoodLoss and its gradient on CUDA (targets as int32 on the device).

import { K } from '../../kernelNames';
import { sizeOf, type Tensor } from '../../tensor';
import type { NllAttrs } from '../../cpu/kernels/loss';
import { DeviceTensor, empty, ptrOf, zerosOn } from '../deviceTensor';
import { binaryKernel } from './elementwise';
import { cpuKernel, rt } from './util';
import { reduce3 } from './reduce';

const divide = binaryKernel('Div');

function supported(x: Tensor, target: Tensor, weight?: Tensor): boolean {
  return x.dtype === 'float32' && (!weight || weight.dtype === 'float32') && x.size > 0 && x.rank >= 2 &&
    (target.dtype === 'int64' || target.dtype === 'int32');
}

/** Host targets are checked here, as the CPU kernel does, before they go to the device. */
function checkTargets(target: Tensor, C: number, ignore: number | undefined): void {
  if (target instanceof DeviceTensor) return;
  const T = target.data;
  for (let i = 0; i < T.length; i++) {
    const t = T[i];
    if (ignore !== undefined && t === ignore) continue;
    if (t < 0 || t >= C) throw new Error(`NegativeLogLikelihoodLoss: target ${t} outside [0, ${C})`);
  }
}

function perSample(x: Tensor, target: Tensor, weight: Tensor | undefined, a: NllAttrs) {
  const r = rt(), N = x.shape[0], C = x.shape[1], D = sizeOf(x.shape.slice(2));
  checkTargets(target, C, a.ignoreIndex);
  const per = empty(r, 'float32', target.shape), w = empty(r, 'float32', [N * D]), bad = empty(r, 'int32', [1]);
  r.launch1d('nll_loss', N * D, 'pppppiiiiip', [ptrOf(r, x), ptrOf(r, target), weight ? ptrOf(r, weight) : 0, per.buf.ptr, w.buf.ptr,
    N, C, D, a.ignoreIndex ?? 0, a.ignoreIndex !== undefined ? 1 : 0, bad.buf.ptr]);
  return { per, w, N, C, D };
}

export function nllLossKernel(inputs: Tensor[], a: NllAttrs): Tensor {
  const [x, target, weight] = inputs;
  if (!supported(x, target, weight)) return cpuKernel(K.NllLoss)(inputs, a) as Tensor;
  const { per, w, N, D } = perSample(x, target, weight, a);
  if (a.reduction === 'none') return per;
  const s = reduce3(per, 1, N * D, 1, 0).reshape([]);
  if (a.reduction === 'sum') return s;
  return divide([s, reduce3(w, 1, N * D, 1, 0).reshape([])], {}) as Tensor;
}

export function nllLossGradKernel(inputs: Tensor[], a: NllAttrs & { xShape: number[] }): Tensor {
  const [dl, target, weight] = inputs;
  const xShape = a.xShape;
  if (dl.dtype !== 'float32' || (weight && weight.dtype !== 'float32') || !(target.dtype === 'int64' || target.dtype === 'int32') || sizeOf(xShape) === 0) {
    return cpuKernel(K.NllLossGrad)(inputs, a) as Tensor;
  }
  const r = rt(), N = xShape[0], C = xShape[1], D = sizeOf(xShape.slice(2));
  let wsum = 0;
  if (a.reduction === 'mean') {
    const probe = empty(r, 'float32', xShape); // only to run nll_loss for the weights
    const { w } = perSample(probe, target, weight, a);
    wsum = reduce3(w, 1, N * D, 1, 0).buf.ptr;
  }
  const dx = zerosOn(r, 'float32', xShape);
  r.launch1d('nll_loss_grad', N * D, 'ppppiiiiiip', [ptrOf(r, dl), ptrOf(r, target), weight ? ptrOf(r, weight) : 0, dx.buf.ptr,
    N, C, D, a.ignoreIndex ?? 0, a.ignoreIndex !== undefined ? 1 : 0, a.reduction === 'none' ? 1 : 0, wsum]);
  return dx;
}
