// A training step that stays on the GPU: forward, cross-entropy (LogSoftmax + NLL), backward
// and the fused optimizer all run as CUDA kernels on device-resident tensors; nothing is
// read back unless the caller reads the returned loss. Used by the CUDA benchmark and the
// GPU check; the Trainer (training/trainer.ts) also keeps parameters and optimizer state on
// the device, but reads back the logits, norms and NaN flags every step.

import { Executor } from '../executor';
import type { EngineGraph } from '../graph';
import { K } from '../kernelNames';
import { Rng } from '../rng';
import { Tensor } from '../tensor';
import type { OptimizerConfig } from '../../training/optimizers';
import { cudaBackend } from './backend';
import { DeviceTensor, upload } from './deviceTensor';
import { DeviceOptimizer } from './optim';
import { getRuntime } from './runtime';

export class CudaTrainStep {
  readonly executor: Executor;
  private readonly opt: DeviceOptimizer;
  private readonly params: string[];
  private readonly one: DeviceTensor;
  private readonly rng = new Rng(0);

  constructor(readonly graph: EngineGraph, readonly optimizer: OptimizerConfig) {
    for (const n of graph.nodes) if (n.opType === 'BatchNormalization') n.attrs.__unbiasedRunningVar = 1;
    this.executor = new Executor(graph, cudaBackend());
    this.params = [...graph.params].filter((p) => graph.initializers.get(p)?.dtype === 'float32');
    const rt = getRuntime();
    for (const p of this.params) this.executor.values.set(p, upload(rt, this.executor.values.get(p)!));
    this.opt = new DeviceOptimizer(optimizer);
    this.one = upload(rt, Tensor.scalar(1));
  }

  /** One step on (x, labels); returns the batch's mean loss as a device scalar. */
  step(x: Tensor, y: Tensor, lr = this.optimizer.lr): Tensor {
    const ex = this.executor, b = ex.backend, out = this.graph.outputs[0];
    const tape = ex.forward(new Map([[this.graph.inputs[0].name, x]]), { training: true, wrt: this.params, rng: this.rng, fuse: true });
    const z = tape.values.get(out)!;
    const logp = b.run(K.LogSoftmax, [z], { axis: 1 });
    const loss = b.run(K.NllLoss, [logp, y], { reduction: 'mean' });
    const dlogp = b.run(K.NllLossGrad, [this.one, y], { reduction: 'mean', xShape: logp.shape.slice() });
    const dz = b.run(K.LogSoftmaxGrad, [dlogp, logp], { axis: 1 });
    const grads = ex.backward(tape, new Map([[out, dz]]));
    for (const [n, t] of tape.stateUpdates) ex.values.set(n, t);
    const current = new Map(this.params.map((p) => [p, ex.values.get(p)!] as [string, Tensor]));
    for (const [n, t] of this.opt.step(current, grads, lr)) ex.values.set(n, t);
    return loss;
  }
}
