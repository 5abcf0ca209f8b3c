// The per-model training settings file, `<model>.nltrain.json` beside the model: what the
// Train Model form remembers, editable by hand (JSON schema in media/schemas/), committed by
// users so a run can be repeated. Paths inside are relative to the model's folder.
// No vscode import: the controller and tests use it too.

import fs from 'node:fs';
import path from 'node:path';
import type { TrainBackend, TrainJob, TrainLoss, TrainOptimizer, TrainSchedule } from '../../shared/protocolTraining';

export interface NlTrainFile {
  $schema?: string;
  /** "mnist-sample", or a file / folder relative to the model's folder */
  dataset: string;
  labels?: string;
  input?: string;
  loss: TrainLoss;
  optimizer: TrainOptimizer;
  learningRate: number;
  momentum?: number;
  weightDecay?: number;
  schedule: { type: TrainSchedule; stepSize?: number; gamma?: number; warmupSteps?: number };
  batchSize: number;
  epochs: number;
  validationSplit: number;
  seed: number;
  clipNorm?: number;
  freeze: string[];
  /** auto (CUDA when usable, else the CPU), cpu or cuda; new files take the neuralLens.training.backend setting */
  backend: TrainBackend;
  /** CUDA only: GEMMs and convolutions on TF32 tensor cores (faster, about 1e-3 relative error) */
  tf32?: boolean;
  checkpointEverySec: number;
}

export const LOSSES: TrainLoss[] = ['cross-entropy', 'mse', 'bce'];
export const OPTIMIZERS: TrainOptimizer[] = ['adam', 'adamw', 'sgd'];
export const SCHEDULES: TrainSchedule[] = ['constant', 'step', 'cosine'];
export const BACKENDS: TrainBackend[] = ['auto', 'cpu', 'cuda'];

/** The neuralLens.training.backend setting's value as a choice ('cpu' for anything else). */
export function asTrainBackend(v: unknown): TrainBackend {
  return BACKENDS.includes(v as TrainBackend) ? (v as TrainBackend) : 'cpu';
}

/** The settings of a model without a file; `backend` is the neuralLens.training.backend setting. */
export function defaultTrainFile(backend: TrainBackend = 'cpu'): NlTrainFile {
  return {
    dataset: 'mnist-sample', loss: 'cross-entropy', optimizer: 'adam', learningRate: 0.002,
    schedule: { type: 'constant' }, batchSize: 64, epochs: 1, validationSplit: 0.1, seed: 1,
    freeze: [], backend, checkpointEverySec: 30,
  };
}

/** `model.onnx` → `model.nltrain.json`, and the other files a run writes beside the model. */
export function sidecarPaths(modelPath: string): { config: string; checkpoint: string; metricsBase: string } {
  const dir = path.dirname(modelPath), base = path.basename(modelPath).replace(/\.onnx$/i, '');
  return {
    config: path.join(dir, `${base}.nltrain.json`),
    checkpoint: path.join(dir, `${base}.nltrain.ckpt`),
    metricsBase: path.join(dir, `${base}.metrics`),
  };
}

/** Checks a parsed file; returns the problems (empty when usable). Unknown keys are ignored. */
export function validateTrainFile(j: unknown): string[] {
  const errs: string[] = [];
  if (!j || typeof j !== 'object') return ['the file must hold one JSON object'];
  const o = j as Record<string, unknown>;
  const num = (k: string, min: number, max = Infinity, int = false) => {
    if (o[k] === undefined) return;
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) {
      errs.push(`"${k}" must be ${int ? 'an integer' : 'a number'} in [${min}, ${max === Infinity ? '∞' : max}] (got ${JSON.stringify(v)})`);
    }
  };
  const oneOf = (k: string, allowed: readonly string[], v = o[k]) => {
    if (v !== undefined && !allowed.includes(v as string)) errs.push(`"${k}" must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
  };
  if (o.dataset !== undefined && (typeof o.dataset !== 'string' || !o.dataset)) errs.push('"dataset" must be a non-empty string');
  oneOf('loss', LOSSES); oneOf('optimizer', OPTIMIZERS); oneOf('backend', BACKENDS);
  num('learningRate', 0); num('momentum', 0, 1); num('weightDecay', 0); num('batchSize', 1, 1 << 20, true);
  num('epochs', 1, 1e6, true); num('validationSplit', 0, 0.9); num('seed', 0, 2 ** 31, true); num('clipNorm', 0);
  num('checkpointEverySec', 1);
  if (o.tf32 !== undefined && typeof o.tf32 !== 'boolean') errs.push(`"tf32" must be true or false (got ${JSON.stringify(o.tf32)})`);
  if (o.learningRate === 0) errs.push('"learningRate" must be above 0');
  if (o.freeze !== undefined && (!Array.isArray(o.freeze) || o.freeze.some((f) => typeof f !== 'string'))) errs.push('"freeze" must be a list of layer or weight names');
  if (o.schedule !== undefined) {
    const s = o.schedule as Record<string, unknown>;
    if (!s || typeof s !== 'object') errs.push('"schedule" must be an object like {"type": "cosine"}');
    else oneOf('schedule.type', SCHEDULES, s.type);
  }
  return errs;
}

/** Reads the file when present: defaults filled in (a missing "backend" is `backend`, the
 *  setting); throws with every problem listed when invalid. */
export function readTrainFile(file: string, backend: TrainBackend = 'cpu'): NlTrainFile | undefined {
  if (!fs.existsSync(file)) return undefined;
  let j: unknown;
  try { j = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) {
    throw new Error(`${path.basename(file)} is not valid JSON: ${(e as Error).message}`);
  }
  const errs = validateTrainFile(j);
  if (errs.length) throw new Error(`${path.basename(file)}: ${errs.join('; ')}`);
  const d = defaultTrainFile(backend), o = j as Partial<NlTrainFile>;
  return { ...d, ...o, schedule: { ...d.schedule, ...(o.schedule ?? {}) }, freeze: o.freeze ?? [] };
}

/** Writes atomically (temp file + rename), keys in a stable order, with the schema reference. */
export function writeTrainFile(file: string, cfg: NlTrainFile): void {
  const { $schema: _s, ...rest } = cfg;
  const text = JSON.stringify({ $schema: 'https://neural-lens.invalid/schemas/nltrain.schema.json', ...rest }, null, 2) + '\n';
  const tmp = `${file}.tmp${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** The dataset path as stored (relative to the model's folder when inside it). */
export function relativeDataset(modelPath: string, data: string): string {
  if (data === 'mnist-sample' || !path.isAbsolute(data)) return data;
  const rel = path.relative(path.dirname(modelPath), data);
  return rel.startsWith('..') || path.isAbsolute(rel) ? data : rel;
}

export function jobFromFile(modelPath: string, cfg: NlTrainFile, extra: Partial<TrainJob> = {}): TrainJob {
  const dir = path.dirname(modelPath), side = sidecarPaths(modelPath);
  const abs = (p: string | undefined) => (p === undefined || p === 'mnist-sample' || path.isAbsolute(p) ? p : path.join(dir, p));
  return {
    modelPath, data: abs(cfg.dataset)!, labels: abs(cfg.labels), input: cfg.input, loss: cfg.loss,
    optimizer: cfg.optimizer, lr: cfg.learningRate, momentum: cfg.momentum, weightDecay: cfg.weightDecay,
    schedule: cfg.schedule.type, stepSize: cfg.schedule.stepSize, gamma: cfg.schedule.gamma, warmupSteps: cfg.schedule.warmupSteps,
    batchSize: cfg.batchSize, epochs: cfg.epochs, valSplit: cfg.validationSplit, seed: cfg.seed, clipNorm: cfg.clipNorm,
    freeze: cfg.freeze, backend: cfg.backend, ...(cfg.tf32 ? { tf32: true } : {}), checkpointPath: side.checkpoint, checkpointEverySec: cfg.checkpointEverySec,
    metricsBase: side.metricsBase, ...extra,
  };
}
