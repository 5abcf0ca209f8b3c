// The training loop: seeded batches, forward with a tape, loss, backward, clipping,
// optimizer step, metrics per step, validation per epoch, pause/stop, checkpoints.
// No global state: everything lives on the Trainer, so it can run in a worker thread and
// report through the onMetrics callback.

import type { Backend } from '../engine/backend';
import { Executor, NonFiniteError, type Tape } from '../engine/executor';
import type { EngineGraph } from '../engine/graph';
import { Rng } from '../engine/rng';
import { Tensor } from '../engine/tensor';
import { sumSquares } from '../engine/cpu/gemm';
import { K } from '../engine/kernelNames';
import { deviceSumSquares } from '../engine/cuda/checks';
import { DeviceTensor, hostCopyF32, upload } from '../engine/cuda/deviceTensor';
import { DeviceOptimizer } from '../engine/cuda/optim';
import { getRuntime } from '../engine/cuda/runtime';
import { batchOf, type Dataset } from '../datasets/dataset';
import { computeLoss, type LossName } from './losses';
import { makeOptimizer, type Optimizer, type OptimizerConfig, type OptimizerState } from './optimizers';
import { lrAt, type ScheduleConfig } from './schedules';
import { clipCoefficient, clipGradNorm } from './clip';

export interface TrainerConfig {
  loss: LossName;
  optimizer: OptimizerConfig;
  schedule?: ScheduleConfig;
  batchSize: number;
  /** stop after this many epochs (default 1) … */
  epochs?: number;
  /** … or after this many steps (takes precedence) */
  steps?: number;
  shuffle?: boolean;
  seed?: number;
  /** clip gradients to this global L2 norm (PyTorch clip_grad_norm_) */
  clipNorm?: number;
  /** parameters not to update */
  frozen?: string[];
  /** check every op's output for NaN/Inf (default true) */
  checkFinite?: boolean;
  evalBatchSize?: number;
}

export interface StepMetrics {
  step: number;
  epoch: number;
  loss: number;
  accuracy?: number;
  lr: number;
  samplesPerSec: number;
  gradNorm: number;
  /** per parameter (the gradient-flow view groups them by layer) */
  gradNorms: Record<string, number>;
  weightNorms: Record<string, number>;
}

type Norms = Pick<StepMetrics, 'gradNorm' | 'gradNorms' | 'weightNorms'>;

export interface EpochMetrics { epoch: number; valLoss?: number; valAccuracy?: number }

export type TrainerEvent = { kind: 'step'; metrics: StepMetrics } | { kind: 'epoch'; metrics: EpochMetrics };

export interface TrainerState {
  step: number;
  epoch: number;
  pos: number;
  order: Uint32Array;
  dataRng: number[];
  dropoutRng: number[];
  values: Map<string, Float32Array>;
  optimizer: OptimizerState;
}

/** Gradient arrays clipping replaced (as tensors, for recycling). */
function clipped(gradData: Map<string, Float32Array>, grads: Map<string, Tensor>): Tensor[] {
  const out: Tensor[] = [];
  for (const [name, d] of gradData) if (grads.get(name)?.data !== d) out.push(new Tensor('float32', [d.length], d));
  return out;
}

/** Finds the tensor the loss is computed on: the output, or the logits before a final Softmax/Sigmoid. */
export function lossOutput(graph: EngineGraph, loss: LossName): string {
  const out = graph.outputs[0];
  const producer = graph.nodes.find((n) => n.outputs.includes(out));
  if (producer && ((loss === 'cross-entropy' && producer.opType === 'Softmax') || (loss === 'bce' && producer.opType === 'Sigmoid'))) {
    return producer.inputs[0];
  }
  if (producer && loss === 'cross-entropy' && producer.opType === 'LogSoftmax') return producer.inputs[0];
  return out;
}

export class Trainer {
  readonly executor: Executor;
  readonly optimizer: Optimizer;
  readonly params: string[];
  readonly buffers: string[];
  private readonly inputName: string;
  private readonly outputName: string;
  private dataRng: Rng;
  private dropoutRng: Rng;
  private order: Uint32Array = new Uint32Array(0);
  step = 0;
  epoch = 0;
  private pos = 0;
  private stopFlag = false;
  private pauseFlag = false;
  private resumeWaiter?: () => void;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  /** when set, the next steps keep their (pre-clipping) gradients in lastGrads, for histograms */
  captureGrads = false;
  /** per-parameter [Σ g², Σ p²] from the fused optimizer pass (reused every step) */
  private readonly stepSums = new Map<string, Float64Array>();
  lastGrads?: Map<string, Float32Array>;
  /**
   * On the CUDA backend parameters, gradients and optimizer state stay on the GPU: the update,
   * the norms and clipping run there and only one number per parameter comes back.
   */
  private readonly deviceOpt?: DeviceOptimizer;

  constructor(
    readonly graph: EngineGraph, backend: Backend, readonly train: Dataset, readonly cfg: TrainerConfig,
    readonly val?: Dataset, readonly onEvent?: (e: TrainerEvent) => void,
  ) {
    // PyTorch's BatchNorm keeps the unbiased batch variance in running_var
    for (const n of graph.nodes) if (n.opType === 'BatchNormalization') n.attrs.__unbiasedRunningVar = 1;
    this.executor = new Executor(graph, backend);
    const frozen = new Set(cfg.frozen ?? []);
    this.params = [...graph.params].filter((p) => !frozen.has(p) && graph.initializers.get(p)?.dtype === 'float32');
    this.buffers = graph.nodes.filter((n) => n.opType === 'BatchNormalization').flatMap((n) => [n.inputs[3], n.inputs[4]]);
    this.optimizer = makeOptimizer(cfg.optimizer);
    if (backend.name === 'cuda') this.deviceOpt = new DeviceOptimizer(cfg.optimizer);
    this.initializersToDevice();
    this.inputName = graph.inputs[0].name;
    this.outputName = lossOutput(graph, cfg.loss);
    const seed = cfg.seed ?? 0;
    this.dataRng = new Rng(seed);
    this.dropoutRng = new Rng(seed ^ 0x5bd1e995);
    this.stepsPerEpoch = Math.ceil(train.size / cfg.batchSize);
    this.totalSteps = cfg.steps ?? this.stepsPerEpoch * (cfg.epochs ?? 1);
  }

  get done(): boolean { return this.step >= this.totalSteps; }

  stop(): void { this.stopFlag = true; this.resume(); }
  pause(): void { this.pauseFlag = true; }
  resume(): void { this.pauseFlag = false; this.resumeWaiter?.(); this.resumeWaiter = undefined; }

  private newEpochOrder(): void {
    const n = this.train.size;
    if (this.cfg.shuffle ?? true) this.order = this.dataRng.permutation(n);
    else { this.order = new Uint32Array(n); for (let i = 0; i < n; i++) this.order[i] = i; }
    this.pos = 0;
  }

  /** One optimizer step on the next batch; returns its metrics (loss before the update). */
  async trainStep(): Promise<StepMetrics> {
    if (this.pos === 0 && this.order.length === 0) this.newEpochOrder();
    const t0 = performance.now();
    const idx = this.order.subarray(this.pos, Math.min(this.pos + this.cfg.batchSize, this.train.size));
    const batch = batchOf(this.train, idx), y = batch.y;
    // on the GPU the batch is uploaded once (the first layer's forward and gradient both read it)
    const x = this.deviceOpt ? upload(getRuntime(), batch.x) : batch.x;
    const ex = this.executor;
    let tape;
    try {
      tape = ex.forward(new Map([[this.inputName, x]]), {
        training: true, rng: this.dropoutRng, checkFinite: this.cfg.checkFinite ?? true, wrt: this.params, fuse: true,
      });
    } catch (e) { throw this.tagStep(e); }
    const out = tape.values.get(this.outputName)!;
    const res = computeLoss(this.cfg.loss, out, y);
    if (!Number.isFinite(res.loss)) throw new NonFiniteError('forward', 'loss', this.cfg.loss, this.outputName, this.step);
    let grads;
    try { grads = ex.backward(tape, new Map([[this.outputName, res.grad]])); } catch (e) { throw this.tagStep(e); }
    for (const [name, t] of tape.stateUpdates) ex.values.set(name, t);
    const lr = lrAt(this.step, this.cfg.optimizer.lr, this.cfg.schedule);
    const norms = this.deviceOpt ? this.deviceUpdate(this.deviceOpt, grads, lr) : this.hostUpdate(tape, x, res.grad, grads, lr);
    const metrics: StepMetrics = {
      step: this.step, epoch: this.epoch, loss: res.loss,
      accuracy: res.count ? res.correct / res.count : undefined, lr,
      samplesPerSec: idx.length / ((performance.now() - t0) / 1000),
      ...norms,
    };
    this.step++;
    this.pos += idx.length;
    this.onEvent?.({ kind: 'step', metrics });
    if (this.pos >= this.train.size) await this.endEpoch();
    return metrics;
  }

  /**
   * On the GPU every float32 initializer is uploaded once: frozen weights and BatchNorm statistics
   * too, which the optimizer never hands back as device tensors (a host tensor is uploaded again
   * at each use).
   */
  private initializersToDevice(): void {
    if (!this.deviceOpt) return;
    const r = getRuntime(), values = this.executor.values;
    for (const [n, t] of values) if (t.dtype === 'float32' && !(t instanceof DeviceTensor)) values.set(n, upload(r, t));
  }

  /** The update on host arrays (CPU backend): clipping, the fused optimizer pass, norms, recycling. */
  private hostUpdate(tape: Tape, x: Tensor, lossGrad: Tensor, grads: Map<string, Tensor>, lr: number): Norms {
    const ex = this.executor;
    const gradData = new Map<string, Float32Array>(), paramData = new Map<string, Float32Array>();
    const gradNorms: Record<string, number> = {}, weightNorms: Record<string, number> = {};
    const clip = this.cfg.clipNorm !== undefined && this.cfg.clipNorm > 0;
    // Without clipping the optimizer's fused pass also returns Σ g² (the gradient it was
    // given, i.e. before any change) and Σ p² after the update; clipping needs the
    // gradient norms before the step, so it keeps a separate pass for them.
    const preSums = clip ? new Map<string, number>() : undefined;
    for (const name of this.params) {
      const g = grads.get(name);
      const p = ex.values.get(name)!;
      paramData.set(name, p.data as Float32Array);
      if (!g) continue;
      const gd = g.data as Float32Array;
      preSums?.set(name, sumSquares(gd));
      gradData.set(name, gd);
    }
    // copies, since optimizers may change gradients in place (only when a viewer asked)
    if (this.captureGrads) this.lastGrads = new Map([...gradData].map(([k, v]) => [k, Float32Array.from(v)]));
    if (clip) clipGradNorm(gradData, this.cfg.clipNorm!);
    const stepSums = this.stepSums;
    stepSums.clear();
    this.optimizer.step(paramData, gradData, lr, stepSums);
    // metrics in parameter order: gradient norms before clipping, weight norms after the update
    let total = 0;
    for (const name of this.params) {
      if (!gradData.has(name)) continue;
      const s = preSums ? preSums.get(name)! : stepSums.get(name)![0];
      gradNorms[name] = Math.sqrt(s);
      total += s;
    }
    const gradNorm = Math.sqrt(total);
    for (const [name, p] of paramData) {
      const ss = stepSums.get(name);
      weightNorms[name] = Math.sqrt(ss ? ss[1] : sumSquares(p));
    }
    // every tensor of this step is dead now (captured gradients were copied): reuse their storage
    // (in-order batches are views of the dataset's arrays: those are kept). Host storage only:
    // on another backend, reading a tensor's data would copy it back from the device.
    if (ex.backend.name === 'cpu') ex.recycle(tape, [x, lossGrad, ...grads.values(), ...clipped(gradData, grads)], this.train.rows ? [] : [this.train.x, this.train.y]);
    return { gradNorm, gradNorms, weightNorms };
  }

  /** The same update on the GPU: two small read-backs (Σg² before, Σp² after) per step. */
  private deviceUpdate(opt: DeviceOptimizer, grads: Map<string, Tensor>, lr: number): Norms {
    const ex = this.executor, names = this.params.filter((n) => grads.has(n));
    if (this.captureGrads) this.lastGrads = new Map(names.map((n) => [n, Float32Array.from(grads.get(n)!.data as Float32Array)]));
    const gsq = deviceSumSquares(names.map((n) => grads.get(n)!));
    const gradNorms: Record<string, number> = {}, weightNorms: Record<string, number> = {};
    let total = 0;
    names.forEach((n, i) => { gradNorms[n] = Math.sqrt(gsq[i]); total += gsq[i]; });
    const gradNorm = Math.sqrt(total);
    let use = grads;
    // torch.nn.utils.clip_grad_norm_, as clipGradNorm does on the host
    const coef = this.cfg.clipNorm !== undefined && this.cfg.clipNorm > 0 ? clipCoefficient(gradNorm, this.cfg.clipNorm) : 1;
    if (coef < 1) use = new Map(names.map((n) => [n, ex.backend.run(K.Mul, [grads.get(n)!, Tensor.scalar(coef)])]));
    const current = new Map(this.params.map((p) => [p, ex.values.get(p)!] as [string, Tensor]));
    for (const [n, t] of opt.step(current, use, lr)) ex.values.set(n, t);
    const psq = deviceSumSquares(this.params.map((p) => ex.values.get(p)!));
    this.params.forEach((p, i) => { weightNorms[p] = Math.sqrt(psq[i]); });
    return { gradNorm, gradNorms, weightNorms };
  }

  private async endEpoch(): Promise<void> {
    const e: EpochMetrics = { epoch: this.epoch };
    if (this.val && this.val.size > 0) {
      const r = this.evaluate(this.val);
      e.valLoss = r.loss;
      e.valAccuracy = r.accuracy;
    }
    this.epoch++;
    this.order = new Uint32Array(0);
    this.pos = 0;
    this.onEvent?.({ kind: 'epoch', metrics: e });
  }

  private tagStep(e: unknown): unknown {
    if (e instanceof NonFiniteError) { e.step = this.step; e.message = `step ${this.step}: ${e.message}`; }
    return e;
  }

  /** Mean loss and accuracy over a dataset in inference mode. */
  evaluate(ds: Dataset): { loss: number; accuracy?: number } {
    const bs = this.cfg.evalBatchSize ?? 256;
    let loss = 0, correct = 0, count = 0;
    for (let s = 0; s < ds.size; s += bs) {
      const idx = Uint32Array.from({ length: Math.min(bs, ds.size - s) }, (_, i) => s + i);
      const { x, y } = batchOf(ds, idx);
      const tape = this.executor.forward(new Map([[this.inputName, x]]), { training: false, fuse: true });
      const r = computeLoss(this.cfg.loss, tape.values.get(this.outputName)!, y);
      loss += r.loss * idx.length;
      correct += r.correct; count += r.count;
    }
    return { loss: loss / ds.size, accuracy: count ? correct / count : undefined };
  }

  /** Runs until done, stopped or paused (awaiting resume); yields to the event loop between steps. */
  async run(): Promise<void> {
    while (!this.done && !this.stopFlag) {
      if (this.pauseFlag) { await new Promise<void>((r) => { this.resumeWaiter = r; }); continue; }
      await this.trainStep();
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** One full epoch (or what is left of the current one). */
  async trainEpoch(): Promise<void> {
    const e = this.epoch;
    while (!this.done && !this.stopFlag && this.epoch === e) await this.trainStep();
  }

  /** Current trained values of every initializer the optimizer or BatchNorm changed. */
  trainedValues(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const n of [...this.params, ...this.buffers]) { const v = this.executor.values.get(n); if (v) out.set(n, v); }
    return out;
  }

  getState(): TrainerState {
    const values = new Map<string, Float32Array>();
    for (const [n, t] of this.trainedValues()) values.set(n, hostCopyF32(t));
    const opt: OptimizerState = {};
    for (const [k, s] of Object.entries(this.deviceOpt ? this.deviceOpt.getState() : this.optimizer.getState())) {
      opt[k] = Object.fromEntries(Object.entries(s).map(([sk, sv]) => [sk, typeof sv === 'number' ? sv : Float32Array.from(sv)]));
    }
    return {
      step: this.step, epoch: this.epoch, pos: this.pos, order: Uint32Array.from(this.order),
      dataRng: this.dataRng.getState(), dropoutRng: this.dropoutRng.getState(), values, optimizer: opt,
    };
  }

  setState(s: TrainerState): void {
    this.step = s.step; this.epoch = s.epoch; this.pos = s.pos; this.order = Uint32Array.from(s.order);
    this.dataRng.setState(s.dataRng); this.dropoutRng.setState(s.dropoutRng);
    for (const [n, v] of s.values) {
      const old = this.executor.values.get(n);
      if (!old) throw new Error(`checkpoint has "${n}", which this model lacks`);
      this.executor.values.set(n, new Tensor(old.dtype, old.shape, Float32Array.from(v)));
    }
    if (this.deviceOpt) this.deviceOpt.setState(s.optimizer);
    else this.optimizer.setState(s.optimizer);
    this.initializersToDevice();
  }
}
