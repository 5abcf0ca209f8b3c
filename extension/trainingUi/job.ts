// One training run, driven by messages: loads the model and data, checks them, runs the
// Trainer step by step (pause / resume / stop between steps), and reports through `post`:
// metrics batched to at most ~7 messages/s, histograms and "weights changed" once a second,
// checkpoints (atomic) periodically and at stop, metrics CSV/JSONL beside the model, and a
// summary with a confusion matrix. Runs inside the worker thread (worker.ts) or in-process.

import fs from 'node:fs';
import path from 'node:path';
import type {
  FromTrainWorker, HistogramSnapshot, MetricsBatch, ToTrainWorker, TrainJob, TrainLayer, TrainReady, TrainSummary, EpochSummary,
} from '../../shared/protocolTraining';
import { readModelFileSync } from '../onnx/reader';
import type { OnnxModel } from '../onnx/model';
import { graphFromModel, unsupportedOps, type EngineGraph } from '../engine/graph';
import { loadDataset } from '../datasets';
import { fitInputShape, splitDataset, batchOf, inputShape, type Dataset } from '../datasets/dataset';
import { Trainer, lossOutput, type StepMetrics, type TrainerConfig } from '../training/trainer';
import { loadCheckpoint, saveCheckpoint } from '../training/checkpoint';
import { encodeTrainedModel } from '../training/saveModel';
import { writeModelFileAtomic } from '../onnx/writer';
import { checkInputShape, checkLabels, toTrainError, TrainingError } from './errors';
import { trainingBackend, type TrainingBackend } from './backend';
import { loadImageFolder } from './imageFolder';
import { histogramInto } from './histogram';
import { metricsCsv, metricsJsonl, type MetricsRow } from './metricsFiles';

export type Post = (m: FromTrainWorker, transfer?: ArrayBuffer[]) => void;

const METRICS_INTERVAL_MS = 150;
const BINS = 30;

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Top-level nodes holding trainable parameters, with the viewer's node ids (`n<index>`). */
export function trainableLayers(model: OnnxModel, params: string[]): TrainLayer[] {
  const index = new Map(params.map((p, i) => [p, i]));
  const layers: TrainLayer[] = [];
  model.graph.nodes.forEach((n, i) => {
    const ps = n.inputs.filter((x) => index.has(x)).map((x) => index.get(x)!);
    if (ps.length) layers.push({ nodeId: `n${i}`, name: n.name || `${n.opType}_${i}`, opType: n.opType, params: ps });
  });
  return layers;
}

export class TrainingRun {
  private model!: OnnxModel;
  private graph!: EngineGraph;
  private trainer?: Trainer;
  private ready?: TrainReady;
  private layers: TrainLayer[] = [];
  private paused = false;
  private stopRequested = false;
  private resumeWaiter?: () => void;
  private pending: StepMetrics[] = [];
  private rows: MetricsRow[] = [];
  private epochs: EpochSummary[] = [];
  private epochLoss = 0; private epochAcc = 0; private epochSteps = 0;
  private t0 = 0;
  /** training time before a resume (from the checkpoint), so times cover the whole run */
  private priorMs = 0;
  private lastFlush = 0; private lastHist = 0; private lastCkpt = 0;
  private startStep = 0;
  private finished = false;
  private outputName = '';
  private valSet?: Dataset;
  private engine?: TrainingBackend;

  constructor(private readonly job: TrainJob, private readonly post: Post) {}

  handle(m: ToTrainWorker): void {
    switch (m.type) {
      case 'start': void this.run(); return;
      case 'pause':
        if (!this.paused && !this.finished) { this.paused = true; this.flush(); this.post({ type: 'state', state: 'paused' }); }
        return;
      case 'resume':
        if (this.paused) { this.paused = false; this.post({ type: 'state', state: 'running' }); this.resumeWaiter?.(); }
        return;
      case 'stop':
        this.stopRequested = true;
        if (!this.finished) this.post({ type: 'state', state: 'stopping' });
        if (this.paused) { this.paused = false; this.resumeWaiter?.(); }
        return;
      case 'checkpoint': this.checkpoint(m.requestId); return;
      case 'save': void this.save(m.requestId, m.path); return;
      case 'getWeights': {
        const values: Record<string, Float32Array> = {};
        for (const n of m.names) {
          const t = this.trainer?.executor.values.get(n);
          if (t && t.dtype === 'float32') values[n] = Float32Array.from(t.data as Float32Array);
        }
        this.post({ type: 'weights', requestId: m.requestId, values }, Object.values(values).map((v) => v.buffer as ArrayBuffer));
        return;
      }
    }
  }

  private setup(): Trainer {
    const job = this.job;
    // First, so that 'cuda' without a usable GPU stops before the data loads.
    const engine = this.engine = trainingBackend(job.backend ?? 'cpu', undefined, { tf32: job.tf32 });
    try { this.model = readModelFileSync(job.modelPath); } catch (e) {
      throw new TrainingError({ code: 'model', message: `Cannot read ${path.basename(job.modelPath)}: ${(e as Error).message}`, hint: 'Open a valid ONNX model.' });
    }
    const graph = this.graph = graphFromModel(this.model);
    const missing = unsupportedOps(graph);
    if (missing.length) throw new TrainingError({ code: 'model', message: `The training engine cannot run this model: ${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}.`, hint: 'Train it with its original framework, or replace the unsupported ops.' });
    if (job.input) {
      const i = graph.inputs.findIndex((v) => v.name === job.input);
      if (i < 0) throw new TrainingError({ code: 'model', message: `The model has no input "${job.input}" (it has ${graph.inputs.map((v) => v.name).join(', ')}).`, hint: 'Fix "input" in the .nltrain.json file.' });
      graph.inputs.unshift(...graph.inputs.splice(i, 1));
    }
    const input = graph.inputs[0];
    const folder = job.data !== 'mnist-sample' && fs.existsSync(job.data) && fs.statSync(job.data).isDirectory();
    let data = folder ? loadImageFolder(job.data, input.name, input.shape) : loadDataset({ data: job.data, labels: job.labels });
    checkInputShape(input.name, input.shape, inputShape(data).slice(1));
    data = fitInputShape(data, input.shape?.slice(1));
    this.outputName = lossOutput(graph, job.loss);
    const out = this.model.graph.outputs[0];
    if (job.loss === 'cross-entropy' && data.y.dtype === 'int64') {
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < data.y.size; i++) { const v = data.y.data[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
      const c = out?.shape?.[1];
      if (out?.shape && out.shape.length < 2) {
        throw new TrainingError({ code: 'lossOutput', message: `The model output "${out.name}" has shape [${out.shape.join('×')}]; cross-entropy needs class scores [N, C].`, hint: 'Use mse (regression) or bce (yes/no) for one value per sample, or a model with one output per class.' });
      }
      checkLabels(hi, lo, typeof c === 'number' ? c : undefined, out?.name ?? this.outputName);
    }
    const { train, val } = job.valSplit > 0 ? splitDataset(data, job.valSplit, job.seed) : { train: data, val: undefined };
    this.valSet = val;
    const frozen = new Set<string>();
    for (const f of job.freeze) {
      const node = this.model.graph.nodes.find((n) => n.name === f);
      if (node) for (const i of node.inputs) { if (graph.params.has(i)) frozen.add(i); }
      else if (graph.params.has(f)) frozen.add(f);
      else throw new TrainingError({ code: 'model', message: `Cannot freeze "${f}": no layer or weight has that name.`, hint: 'Fix "freeze" in the .nltrain.json file.' });
    }
    const cfg: TrainerConfig = {
      loss: job.loss, batchSize: job.batchSize, epochs: job.steps ? undefined : job.epochs, steps: job.steps, seed: job.seed,
      clipNorm: job.clipNorm, frozen: [...frozen], shuffle: true,
      optimizer: { name: job.optimizer, lr: job.lr, momentum: job.momentum ?? 0, weightDecay: job.weightDecay },
      schedule: { type: job.schedule, stepSize: job.stepSize, gamma: job.gamma, warmupSteps: job.warmupSteps, totalSteps: undefined },
    };
    const trainer = new Trainer(graph, engine.backend, train, cfg, val, (e) => {
      if (e.kind === 'step') this.onStep(e.metrics); else this.onEpoch(e.metrics.epoch, e.metrics.valLoss, e.metrics.valAccuracy);
    });
    if (cfg.schedule) cfg.schedule.totalSteps = trainer.totalSteps;
    if (job.resumeFrom) {
      try {
        const ck = loadCheckpoint(job.resumeFrom);
        if (ck.meta.model && ck.meta.model !== path.basename(job.modelPath)) throw new Error(`the checkpoint was written for ${String(ck.meta.model)}`);
        trainer.setState(ck.state);
        this.priorMs = typeof ck.meta.trainingMs === 'number' ? ck.meta.trainingMs : 0;
      } catch (e) {
        throw new TrainingError({ code: 'checkpoint', message: `Cannot resume from ${path.basename(job.resumeFrom)}: ${(e as Error).message}.`, hint: 'Start a fresh run instead.' });
      }
    }
    this.layers = trainableLayers(this.model, trainer.params);
    this.startStep = trainer.step;
    this.ready = {
      modelPath: job.modelPath, params: trainer.params, layers: this.layers, totalSteps: trainer.totalSteps,
      stepsPerEpoch: trainer.stepsPerEpoch, trainSize: train.size, valSize: val?.size ?? 0, numClasses: data.numClasses,
      startStep: trainer.step, resumedFrom: job.resumeFrom,
      backend: engine.label, backendReason: engine.reason, backendFallback: engine.fellBack || undefined,
    };
    return trainer;
  }

  private async run(): Promise<void> {
    this.post({ type: 'state', state: 'starting' });
    let trainer: Trainer;
    try { trainer = this.trainer = this.setup(); } catch (e) {
      this.finished = true;
      this.post({ type: 'error', error: toTrainError(e, this.job, this.outputName) });
      this.post({ type: 'state', state: 'failed' });
      return;
    }
    this.post({ type: 'ready', ready: this.ready! });
    if (this.job.resumeFrom) this.restoreHistory(trainer.step);
    this.post({ type: 'state', state: 'running' });
    this.t0 = this.lastFlush = this.lastCkpt = performance.now();
    this.lastHist = -Infinity;
    try {
      while (!trainer.done && !this.stopRequested) {
        if (this.paused) { await new Promise<void>((r) => { this.resumeWaiter = r; }); this.resumeWaiter = undefined; continue; }
        const now = performance.now();
        const detail = now - this.lastHist >= (this.job.histogramEverySec ?? 1) * 1000;
        let before: Float32Array[] | undefined;
        if (detail) { trainer.captureGrads = true; before = trainer.params.map((p) => Float32Array.from(trainer.executor.values.get(p)!.data as Float32Array)); }
        await trainer.trainStep();
        if (detail) { this.lastHist = now; this.histograms(before!); trainer.captureGrads = false; trainer.lastGrads = undefined; }
        if (performance.now() - this.lastCkpt >= this.job.checkpointEverySec * 1000) this.checkpoint();
        if (this.job.stepDelayMs) await new Promise((r) => setTimeout(r, this.job.stepDelayMs));
        else await new Promise<void>((r) => setImmediate(r));
      }
    } catch (e) {
      this.flush();
      this.finished = true;
      this.post({ type: 'error', error: toTrainError(e, this.job, this.outputName) });
      this.writeMetrics();
      this.post({ type: 'state', state: 'failed' });
      return;
    }
    this.flush();
    this.finished = true;
    this.checkpoint();
    this.writeMetrics();
    this.post({ type: 'done', summary: this.summary() });
    this.post({ type: 'state', state: this.stopRequested && !trainer.done ? 'stopped' : 'finished' });
  }

  /** After a resume: the steps before it, from the metrics file of the earlier run, so curves and files stay whole. */
  private restoreHistory(startStep: number): void {
    let lines: string[];
    try { lines = fs.readFileSync(`${this.job.metricsBase}.jsonl`, 'utf8').split('\n'); } catch { return; }
    for (const l of lines) {
      if (!l.trim()) continue;
      try {
        const o = JSON.parse(l);
        if (o.kind === 'step' && o.step < startStep) { delete o.kind; this.rows.push(o); }
        else if (o.kind === 'epoch' && o.epoch < this.trainer!.epoch) { delete o.kind; this.epochs.push(o); }
      } catch { /* a torn last line from a killed run */ }
    }
    const r = this.rows;
    if (!r.length) return;
    const num = (v: number | undefined) => v ?? NaN;
    this.post({ type: 'metrics', batch: {
      step: Float64Array.from(r, (m) => m.step), epoch: Float64Array.from(r, (m) => m.epoch), loss: Float32Array.from(r, (m) => m.loss),
      accuracy: Float32Array.from(r, (m) => num(m.accuracy)), lr: Float32Array.from(r, (m) => m.lr), samplesPerSec: Float32Array.from(r, (m) => m.samplesPerSec),
      gradNorm: Float32Array.from(r, (m) => m.gradNorm), layerGradNorms: new Float32Array(0), layerWeightNorms: new Float32Array(0), elapsedMs: 0, etaMs: NaN,
    } });
    for (const e of this.epochs) this.post({ type: 'epoch', summary: e });
  }

  private onStep(m: StepMetrics): void {
    this.pending.push(m);
    this.rows.push({ step: m.step, epoch: m.epoch, loss: m.loss, accuracy: m.accuracy, lr: m.lr, samplesPerSec: m.samplesPerSec, gradNorm: m.gradNorm });
    this.epochLoss += m.loss; this.epochAcc += m.accuracy ?? 0; this.epochSteps++;
    if (performance.now() - this.lastFlush >= METRICS_INTERVAL_MS) this.flush();
  }

  private onEpoch(epoch: number, valLoss?: number, valAccuracy?: number): void {
    this.flush();
    const n = Math.max(1, this.epochSteps);
    const s: EpochSummary = {
      epoch, trainLoss: this.epochLoss / n, trainAccuracy: this.rows.at(-1)?.accuracy === undefined ? undefined : this.epochAcc / n,
      valLoss, valAccuracy, elapsedMs: performance.now() - this.t0 + this.priorMs,
    };
    this.epochLoss = this.epochAcc = this.epochSteps = 0;
    this.epochs.push(s);
    const last = this.rows.at(-1);
    if (last) { last.valLoss = valLoss; last.valAccuracy = valAccuracy; }
    this.post({ type: 'epoch', summary: s });
    this.writeMetrics();
  }

  private layerNorms(per: Record<string, number>): Float32Array {
    const params = this.trainer!.params;
    return Float32Array.from(this.layers, (l) => Math.sqrt(l.params.reduce((s, i) => s + (per[params[i]] ?? 0) ** 2, 0)));
  }

  /** Sends the steps gathered since the last batch (no-op when none). */
  private flush(): void {
    const ms = this.pending;
    if (!ms.length || !this.trainer) return;
    this.pending = [];
    this.lastFlush = performance.now();
    const last = ms[ms.length - 1];
    const ranMs = this.lastFlush - this.t0, elapsedMs = ranMs + this.priorMs, done = last.step + 1 - this.startStep, left = this.trainer.totalSteps - last.step - 1;
    const batch: MetricsBatch = {
      step: Float64Array.from(ms, (m) => m.step), epoch: Float64Array.from(ms, (m) => m.epoch),
      loss: Float32Array.from(ms, (m) => m.loss), accuracy: Float32Array.from(ms, (m) => m.accuracy ?? NaN),
      lr: Float32Array.from(ms, (m) => m.lr), samplesPerSec: Float32Array.from(ms, (m) => m.samplesPerSec),
      gradNorm: Float32Array.from(ms, (m) => m.gradNorm),
      layerGradNorms: this.layerNorms(last.gradNorms), layerWeightNorms: this.layerNorms(last.weightNorms),
      elapsedMs, etaMs: done > 0 ? (ranMs / done) * left : NaN,
    };
    const transfer = [batch.step, batch.epoch, batch.loss, batch.accuracy, batch.lr, batch.samplesPerSec, batch.gradNorm, batch.layerGradNorms, batch.layerWeightNorms].map((a) => a.buffer as ArrayBuffer);
    this.post({ type: 'metrics', batch }, transfer);
  }

  private histograms(before: Float32Array[]): void {
    const tr = this.trainer!, L = this.layers.length;
    const snap: HistogramSnapshot = {
      step: tr.step - 1, bins: BINS,
      weightCounts: new Float32Array(L * BINS), weightRange: new Float32Array(L * 2),
      gradCounts: new Float32Array(L * BINS), gradRange: new Float32Array(L * 2), updateRatio: new Float32Array(L),
    };
    this.layers.forEach((l, li) => {
      const ws = l.params.map((i) => tr.executor.values.get(tr.params[i])!.data as Float32Array);
      const gs = l.params.map((i) => tr.lastGrads?.get(tr.params[i])).filter((g): g is Float32Array => !!g);
      histogramInto(ws, BINS, snap.weightCounts.subarray(li * BINS, li * BINS + BINS), snap.weightRange.subarray(li * 2, li * 2 + 2));
      histogramInto(gs, BINS, snap.gradCounts.subarray(li * BINS, li * BINS + BINS), snap.gradRange.subarray(li * 2, li * 2 + 2));
      let d2 = 0, w2 = 0;
      l.params.forEach((pi, k) => {
        const w = ws[k], b = before[pi];
        for (let j = 0; j < w.length; j++) { const d = w[j] - b[j]; d2 += d * d; w2 += w[j] * w[j]; }
      });
      snap.updateRatio[li] = w2 > 0 ? Math.sqrt(d2 / w2) : 0;
    });
    this.flush();
    this.post({ type: 'histograms', snapshot: snap }, [snap.weightCounts, snap.weightRange, snap.gradCounts, snap.gradRange, snap.updateRatio].map((a) => a.buffer as ArrayBuffer));
    this.post({ type: 'weightsChanged', step: snap.step });
  }

  private checkpoint(requestId?: number): void {
    const tr = this.trainer, file = this.job.checkpointPath;
    this.lastCkpt = performance.now();
    if (!tr) return void this.post({ type: 'checkpointed', requestId, path: file, step: 0, error: 'Training has not started.' });
    try {
      saveCheckpoint(file, tr.getState(), { model: path.basename(this.job.modelPath), savedAt: new Date().toISOString(), step: tr.step, trainingMs: performance.now() - this.t0 + this.priorMs });
      this.post({ type: 'checkpointed', requestId, path: file, step: tr.step });
    } catch (e) {
      this.post({ type: 'checkpointed', requestId, path: file, step: tr.step, error: `Could not write the checkpoint ${file}: ${(e as Error).message}` });
    }
  }

  private async save(requestId: number, file: string): Promise<void> {
    const tr = this.trainer;
    if (!tr) return this.post({ type: 'saved', requestId, error: 'Training has not started.' });
    if (path.resolve(file) === path.resolve(this.job.modelPath)) {
      return this.post({ type: 'saved', requestId, error: 'Refusing to overwrite the opened model; choose a new file name.' });
    }
    try {
      await writeModelFileAtomic(file, encodeTrainedModel(this.model, tr.trainedValues()));
      this.post({ type: 'saved', requestId, path: file });
    } catch (e) {
      this.post({ type: 'saved', requestId, error: `Could not save ${file}: ${(e as Error).message}` });
    }
  }

  private writeMetrics(): void {
    if (!this.rows.length) return;
    try {
      writeAtomic(`${this.job.metricsBase}.csv`, metricsCsv(this.rows));
      writeAtomic(`${this.job.metricsBase}.jsonl`, metricsJsonl(this.rows, this.epochs));
    } catch { /* metrics files are a convenience; the run goes on */ }
  }

  private confusion(): TrainSummary['confusion'] {
    const tr = this.trainer!, ds = this.valSet ?? tr.train, C = this.ready?.numClasses;
    if (this.job.loss !== 'cross-entropy' || !C || ds.y.dtype !== 'int64' || C > 100) return undefined;
    const counts = new Uint32Array(C * C), inputName = this.graph.inputs[0].name;
    for (let s = 0; s < ds.size; s += 256) {
      const idx = Uint32Array.from({ length: Math.min(256, ds.size - s) }, (_, i) => s + i);
      const { x, y } = batchOf(ds, idx);
      const out = tr.executor.forward(new Map([[inputName, x]]), { training: false }).values.get(this.outputName);
      if (!out || out.rank !== 2 || out.shape[1] !== C) return undefined;
      for (let i = 0; i < idx.length; i++) {
        let arg = 0;
        for (let c = 1; c < C; c++) if (out.data[i * C + c] > out.data[i * C + arg]) arg = c;
        counts[Number(y.data[i]) * C + arg]++;
      }
    }
    return { classes: C, counts };
  }

  private summary(): TrainSummary {
    const tr = this.trainer!, last = this.rows.at(-1), lastEpoch = this.epochs.at(-1);
    let best: EpochSummary | undefined;
    for (const e of this.epochs) if (e.valLoss !== undefined && (best?.valLoss === undefined || e.valLoss < best.valLoss)) best = e;
    let valLoss = lastEpoch?.valLoss, valAccuracy = lastEpoch?.valAccuracy;
    if (this.valSet && (lastEpoch === undefined || last === undefined || lastEpoch.epoch !== last.epoch)) {
      const r = tr.evaluate(this.valSet); valLoss = r.loss; valAccuracy = r.accuracy;
    }
    let confusion: TrainSummary['confusion'];
    try { confusion = this.confusion(); } catch { confusion = undefined; }
    return {
      steps: tr.step, epochs: tr.epoch, seconds: (performance.now() - this.t0 + this.priorMs) / 1000,
      finalLoss: last?.loss, finalAccuracy: last?.accuracy, valLoss, valAccuracy,
      bestEpoch: best?.epoch, bestValLoss: best?.valLoss, confusion, stopped: this.stopRequested && !tr.done,
      checkpointPath: this.job.checkpointPath, backend: this.engine?.label,
    };
  }
}
