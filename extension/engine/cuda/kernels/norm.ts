// BatchNormalization forward (training statistics or running statistics) and its gradient
// on CUDA. LayerNorm and dropout masks use the CPU kernels (see registerAll.ts).

import { K } from '../../kernelNames';
import { sizeOf, type Tensor } from '../../tensor';
import type { BatchNormAttrs } from '../../cpu/kernels/norm';
import { empty, ptrOf } from '../deviceTensor';
import { allF32, cpuKernel, rt } from './util';

const geom = (x: Tensor) => ({ N: x.shape[0], C: x.shape[1], S: sizeOf(x.shape.slice(2)) });

export function batchNormKernel(inputs: Tensor[], a: BatchNormAttrs): Tensor[] {
  const [x, scale, bias, rm, rv] = inputs;
  if (!allF32(inputs) || x.rank < 2 || x.size === 0) return cpuKernel(K.BatchNorm)(inputs, a) as Tensor[];
  const r = rt(), { N, C, S } = geom(x), cnt = N * S;
  const y = empty(r, 'float32', x.shape);
  const mean = empty(r, 'float32', [C]), inv = empty(r, 'float32', [C]);
  const X = ptrOf(r, x);
  if (!a.training) {
    r.launch1d('bn_inv', C, 'ppif', [ptrOf(r, rv), inv.buf.ptr, C, a.epsilon]);
    r.launch1d('bn_apply', x.size, 'pppppplii', [X, y.buf.ptr, ptrOf(r, scale), ptrOf(r, bias), ptrOf(r, rm), inv.buf.ptr, x.size, C, S]);
    return [y];
  }
  const variance = empty(r, 'float32', [C]);
  r.launch('bn_stats', [C, 1, 1], [256, 1, 1], 'pppiii', [X, mean.buf.ptr, variance.buf.ptr, N, C, S]);
  const nrm = empty(r, 'float32', [C]), nrv = empty(r, 'float32', [C]);
  const corr = a.unbiasedRunningVar && cnt > 1 ? cnt / (cnt - 1) : 1;
  r.launch1d('bn_finish', C, 'pppppppifff', [variance.buf.ptr, inv.buf.ptr, ptrOf(r, rm), ptrOf(r, rv), nrm.buf.ptr, nrv.buf.ptr, mean.buf.ptr, C, a.epsilon, a.momentum, corr]);
  r.launch1d('bn_apply', x.size, 'pppppplii', [X, y.buf.ptr, ptrOf(r, scale), ptrOf(r, bias), mean.buf.ptr, inv.buf.ptr, x.size, C, S]);
  return [y, nrm.reshape(rm.shape), nrv.reshape(rv.shape), mean, inv];
}

export function batchNormGradKernel(inputs: Tensor[], attrs: { training: boolean }): Tensor[] {
  const [dy, x, scale, mean, invStd] = inputs;
  if (!allF32(inputs) || x.rank < 2 || x.size === 0) return cpuKernel(K.BatchNormGrad)(inputs, attrs) as Tensor[];
  const r = rt(), { N, C, S } = geom(x);
  const dx = empty(r, 'float32', x.shape), ds = empty(r, 'float32', scale.shape), db = empty(r, 'float32', scale.shape);
  const D = ptrOf(r, dy), X = ptrOf(r, x), M = ptrOf(r, mean), I = ptrOf(r, invStd);
  r.launch('bn_grad_sums', [C, 1, 1], [256, 1, 1], 'ppppppiii', [D, X, M, I, ds.buf.ptr, db.buf.ptr, N, C, S]);
  r.launch1d('bn_grad_x', x.size, 'pppppppplii' + 'fi', [D, X, ptrOf(r, scale), M, I, ds.buf.ptr, db.buf.ptr, dx.buf.ptr, x.size, C, S, N * S, attrs.training ? 1 : 0]);
  return [dx, ds, db];
}
