// `neural-lens train MODEL --data DATA …`: trains a model's float initializers with the engine
// and writes the trained model. One JSON line per step (and per epoch with validation) to
// --log-jsonl; a progress bar on a terminal.

import fs from 'node:fs';
import { parseArgs, UsageError, CliError } from './args';
import { readModelFileSync } from '../onnx/reader';
import { graphFromModel, unsupportedOps } from '../engine/graph';
import { BACKEND_CHOICES, selectBackend, type BackendChoice } from '../engine/selectBackend';
import { setCudaTf32 } from '../engine/cuda/backend';
import { setGemmThreads } from '../engine/cpu/gemm';
import { loadDataset } from '../datasets';
import { fitInputShape, splitDataset } from '../datasets/dataset';
import { Trainer, type StepMetrics, type TrainerEvent } from '../training/trainer';
import type { LossName } from '../training/losses';
import type { OptimizerName } from '../training/optimizers';
import { saveTrainedModel } from '../training/saveModel';
import { loadCheckpoint, saveCheckpoint } from '../training/checkpoint';

export const summary = 'train a model\'s weights with the built-in engine';
export const usage = `Usage: neural-lens train MODEL --data DATA [options]
  --data DATA            mnist-sample, X.npz (x, y), X.npy (with --labels), data.csv, or MNIST IDX images
  --labels FILE          labels for .npy / IDX inputs
  --loss NAME            cross-entropy (default) | mse | bce
  --optimizer NAME       sgd | adam (default) | adamw
  --lr F  --momentum F  --weight-decay F  --clip-norm F
  --batch-size N         (default 64)
  --epochs N | --steps N (default 1 epoch)
  --val-split F          fraction held out for validation (default 0.1; 0 = none)
  --no-shuffle           take batches in order
  --stream | --no-stream read inputs from disk per batch (data larger than memory) or load them
                         all (default: stream files of 512 MB or more)
  --seed N  --threads N
  --device auto|cpu|cuda engine backend (default cpu; auto = CUDA when usable here, else CPU)
  --tf32                 CUDA only: matrix products and convolutions on TF32 tensor cores
                         (compute capability 8.0+; faster, about 1e-3 relative error)
  --log-jsonl FILE       one JSON line per step, plus one per epoch with validation
  --checkpoint FILE      write a checkpoint at the end (and resume from it with --resume)
  --resume FILE          continue from a checkpoint
  --out OUT.onnx         write the trained model`;

const spec = {
  options: {
    data: 'string', labels: 'string', loss: 'string', optimizer: 'string', lr: 'number', momentum: 'number',
    'weight-decay': 'number', 'clip-norm': 'number', 'batch-size': 'number', epochs: 'number', steps: 'number',
    'val-split': 'number', 'no-shuffle': 'boolean', seed: 'number', threads: 'number', 'log-jsonl': 'string',
    checkpoint: 'string', resume: 'string', out: 'string', device: 'string', tf32: 'boolean', stream: 'boolean', 'no-stream': 'boolean',
  },
  positionals: ['MODEL'],
} as const;

function progress(m: StepMetrics, total: number): void {
  const w = 30, done = Math.min(w, Math.round(((m.step + 1) / total) * w));
  process.stderr.write(`\r[${'#'.repeat(done)}${'.'.repeat(w - done)}] step ${m.step + 1}/${total} loss ${m.loss.toFixed(4)} ${Math.round(m.samplesPerSec)} samples/s`);
}

export async function run(argv: string[]): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, spec as never, 'train');
  if (!o.data) throw new UsageError('train: --data is required (see --help).');
  const loss = String(o.loss ?? 'cross-entropy') as LossName;
  if (!['cross-entropy', 'mse', 'bce'].includes(loss)) throw new UsageError(`train: --loss must be cross-entropy, mse or bce (got "${loss}").`);
  const optName = String(o.optimizer ?? 'adam') as OptimizerName;
  if (!['sgd', 'adam', 'adamw'].includes(optName)) throw new UsageError(`train: --optimizer must be sgd, adam or adamw (got "${optName}").`);
  if (o.threads !== undefined) setGemmThreads(Number(o.threads));
  const device = String(o.device ?? 'cpu') as BackendChoice;
  if (!BACKEND_CHOICES.includes(device)) throw new UsageError(`train: --device must be auto, cpu or cuda (got "${device}").`);

  const model = readModelFileSync(positionals[0]);
  const graph = graphFromModel(model);
  const missing = unsupportedOps(graph);
  if (missing.length) throw new CliError(`train: ${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}.`);
  const seed = Number(o.seed ?? 0);
  if (o.stream && o['no-stream']) throw new UsageError('train: --stream and --no-stream exclude each other.');
  const stream = o.stream ? true : o['no-stream'] ? false : 'auto';
  let data = loadDataset({ data: String(o.data), labels: o.labels as string | undefined, stream });
  if (data.note) process.stderr.write(`note: ${data.note}\n`);
  data = fitInputShape(data, graph.inputs[0]?.shape?.slice(1));
  const valSplit = Number(o['val-split'] ?? 0.1);
  const { train, val } = valSplit > 0 ? splitDataset(data, valSplit, seed) : { train: data, val: undefined };

  const log = o['log-jsonl'] ? fs.openSync(String(o['log-jsonl']), 'w') : undefined;
  const tty = process.stderr.isTTY;
  let total = 0;
  const onEvent = (e: TrainerEvent) => {
    if (e.kind === 'step') {
      const m = e.metrics;
      if (log !== undefined) {
        fs.writeSync(log, JSON.stringify({ step: m.step, epoch: m.epoch, loss: m.loss, accuracy: m.accuracy, lr: m.lr, samplesPerSec: m.samplesPerSec, gradNorm: m.gradNorm, gradNorms: m.gradNorms, weightNorms: m.weightNorms }) + '\n');
      }
      if (tty) progress(m, total);
    } else if (log !== undefined && e.metrics.valLoss !== undefined) {
      fs.writeSync(log, JSON.stringify(e.metrics) + '\n');
    }
  };
  let backend;
  try { backend = selectBackend(device).backend; } catch (e) { throw new CliError(`train: ${(e as Error).message}`); }
  if (backend.name === 'cuda') {
    if (!setCudaTf32(!!o.tf32) && o.tf32) process.stderr.write('note: --tf32: this GPU has no TF32 tensor cores (compute capability 8.0 or later); training in fp32.\n');
  } else if (o.tf32) process.stderr.write('note: --tf32 applies to the CUDA backend only; training on the CPU in fp32.\n');
  const trainer = new Trainer(graph, backend, train, {
    loss, batchSize: Number(o['batch-size'] ?? 64), epochs: o.steps === undefined ? Number(o.epochs ?? 1) : undefined,
    steps: o.steps === undefined ? undefined : Number(o.steps), shuffle: !o['no-shuffle'], seed,
    clipNorm: o['clip-norm'] === undefined ? undefined : Number(o['clip-norm']),
    optimizer: {
      name: optName, lr: Number(o.lr ?? (optName === 'sgd' ? 0.01 : 0.001)), momentum: Number(o.momentum ?? 0),
      weightDecay: o['weight-decay'] === undefined ? undefined : Number(o['weight-decay']),
    },
  }, val, onEvent);
  total = trainer.totalSteps;
  if (o.resume) trainer.setState(loadCheckpoint(String(o.resume)).state);
  const t0 = performance.now();
  try {
    await trainer.run();
  } finally {
    if (tty) process.stderr.write('\n');
    if (log !== undefined) fs.closeSync(log);
  }
  const secs = (performance.now() - t0) / 1000;
  if (o.checkpoint) saveCheckpoint(String(o.checkpoint), trainer.getState(), { model: positionals[0] });
  const summaryLine: Record<string, unknown> = { steps: trainer.step, seconds: Number(secs.toFixed(3)) };
  if (val) { const r = trainer.evaluate(val); summaryLine.valLoss = r.loss; summaryLine.valAccuracy = r.accuracy; }
  if (o.out) { await saveTrainedModel(String(o.out), model, trainer.trainedValues()); summaryLine.out = o.out; }
  process.stdout.write(JSON.stringify(summaryLine) + '\n');
  return 0;
}
