// The training controller: owns one worker thread (dist/trainWorker.js) running one job, sends
// it start / pause / resume / stop / checkpoint / save, and hands its messages to listeners.
// Keeps the run's history so a dashboard opened mid-run can be replayed to. Plain Node (no
// vscode import), so integration tests drive it directly.

import { Worker, type ResourceLimits } from 'node:worker_threads';
import type {
  FromTrainWorker, ToTrainWorker, TrainError, TrainJob, TrainReady, TrainState, TrainSummary, EpochSummary, HistogramSnapshot,
} from '../../shared/protocolTraining';
import { toTrainError } from './errors';

export type ControllerListener = (m: FromTrainWorker) => void;

/** All steps so far, as growable parallel arrays. */
export class MetricsHistory {
  step: number[] = []; loss: number[] = []; accuracy: number[] = []; lr: number[] = []; samplesPerSec: number[] = [];
  gradNorm: number[] = []; epochs: EpochSummary[] = []; histograms: HistogramSnapshot[] = [];
  lastLayerGradNorms?: Float32Array;
  add(m: FromTrainWorker): void {
    if (m.type === 'metrics') {
      const b = m.batch;
      for (let i = 0; i < b.step.length; i++) {
        this.step.push(b.step[i]); this.loss.push(b.loss[i]); this.accuracy.push(b.accuracy[i]); this.lr.push(b.lr[i]);
        this.samplesPerSec.push(b.samplesPerSec[i]); this.gradNorm.push(b.gradNorm[i]);
      }
      if (b.layerGradNorms.length) this.lastLayerGradNorms = b.layerGradNorms;
    } else if (m.type === 'epoch') this.epochs.push(m.summary);
    else if (m.type === 'histograms') { this.histograms.push(m.snapshot); if (this.histograms.length > 300) this.histograms.splice(0, this.histograms.length - 300); }
  }
}

export class TrainingController {
  state: TrainState = 'starting';
  ready?: TrainReady;
  summary?: TrainSummary;
  error?: TrainError;
  readonly history = new MetricsHistory();
  /** every message so far, in order (metrics included), for replay to a late dashboard */
  readonly log: FromTrainWorker[] = [];
  private readonly worker: Worker;
  private readonly listeners = new Set<ControllerListener>();
  private nextId = 1;
  private readonly waiting = new Map<number, (m: FromTrainWorker) => void>();
  private exited = false;
  readonly ended: Promise<TrainState>;
  private endResolve!: (s: TrainState) => void;

  constructor(readonly job: TrainJob, workerFile: string, opts: { resourceLimits?: ResourceLimits } = {}) {
    this.ended = new Promise((r) => { this.endResolve = r; });
    this.worker = new Worker(workerFile, { resourceLimits: opts.resourceLimits });
    this.worker.on('message', (m: FromTrainWorker) => this.receive(m));
    this.worker.on('error', (e) => {
      this.receive({ type: 'error', error: toTrainError(e, job) });
      this.receive({ type: 'state', state: 'failed' });
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (!['finished', 'stopped', 'failed'].includes(this.state)) {
        this.receive({ type: 'error', error: { code: 'internal', message: `The training worker exited unexpectedly (code ${code}).`, hint: 'See the Neural Lens output channel; the last checkpoint is kept.' } });
        this.receive({ type: 'state', state: 'failed' });
      }
      for (const [, w] of this.waiting) w({ type: 'saved', requestId: -1, error: 'The training worker has ended.' });
      this.waiting.clear();
    });
    this.send({ type: 'start', job });
  }

  get running(): boolean { return this.state === 'starting' || this.state === 'running' || this.state === 'paused' || this.state === 'stopping'; }

  onMessage(fn: ControllerListener): { dispose(): void } {
    this.listeners.add(fn);
    return { dispose: () => this.listeners.delete(fn) };
  }

  private receive(m: FromTrainWorker): void {
    if (m.type === 'state') {
      this.state = m.state;
      if (m.state === 'finished' || m.state === 'stopped' || m.state === 'failed') this.endResolve(m.state);
    } else if (m.type === 'ready') this.ready = m.ready;
    else if (m.type === 'done') this.summary = m.summary;
    else if (m.type === 'error') this.error = m.error;
    this.history.add(m);
    if (m.type !== 'weights' && m.type !== 'saved') this.log.push(m);
    const id = (m as { requestId?: number }).requestId;
    if (id !== undefined && this.waiting.has(id)) { this.waiting.get(id)!(m); this.waiting.delete(id); }
    for (const l of this.listeners) { try { l(m); } catch { /* a listener's failure is not the run's */ } }
  }

  private send(m: ToTrainWorker): void { if (!this.exited) this.worker.postMessage(m); }

  private request<T extends FromTrainWorker>(make: (id: number) => ToTrainWorker): Promise<T> {
    if (this.exited) return Promise.reject(new Error('The training worker has ended.'));
    const id = this.nextId++;
    return new Promise<T>((resolve) => { this.waiting.set(id, resolve as (m: FromTrainWorker) => void); this.send(make(id)); });
  }

  pause(): void { this.send({ type: 'pause' }); }
  resume(): void { this.send({ type: 'resume' }); }
  /** Stops after the current step; resolves once the final checkpoint and summary are out. */
  async stop(): Promise<TrainState> { this.send({ type: 'stop' }); return this.ended; }

  async checkpoint(): Promise<string> {
    const r = await this.request<Extract<FromTrainWorker, { type: 'checkpointed' }>>((requestId) => ({ type: 'checkpoint', requestId }));
    if (r.error) throw new Error(r.error);
    return r.path;
  }

  /** Writes the trained model (atomically); refuses the opened model's own path. */
  async save(file: string): Promise<string> {
    const r = await this.request<Extract<FromTrainWorker, { type: 'saved' }>>((requestId) => ({ type: 'save', requestId, path: file }));
    if (r.error || !r.path) throw new Error(r.error ?? 'not saved');
    return r.path;
  }

  async weights(names: string[]): Promise<Record<string, Float32Array>> {
    const r = await this.request<Extract<FromTrainWorker, { type: 'weights' }>>((requestId) => ({ type: 'getWeights', requestId, names }));
    return r.values;
  }

  /** Ends the worker (a finished run stays alive until this, so it can still be saved). */
  async dispose(): Promise<void> {
    if (this.exited) return;
    if (this.running) { this.send({ type: 'stop' }); await Promise.race([this.ended, new Promise((r) => setTimeout(r, 5000))]); }
    await this.worker.terminate();
  }
}
