// The Train Model form: one quick pick listing every setting with its current value
// ("Start training" first, so Enter runs what is shown); picking a setting edits it and comes
// back. Values start from `<model>.nltrain.json` when present, and are written back to it.

import * as vscode from 'vscode';
import path from 'node:path';
import { BACKENDS, LOSSES, OPTIMIZERS, SCHEDULES, relativeDataset, type NlTrainFile } from './config';
import type { TrainBackend, TrainLoss, TrainOptimizer, TrainSchedule } from '../../shared/protocolTraining';

export interface ModelFacts {
  inputs: string[];
  /** top-level nodes holding float weights: name and op */
  layers: { name: string; opType: string }[];
  /** output is [N, C] class scores (a loss hint) */
  classifier: boolean;
  /** whether the engine's CUDA backend can run here: the device, or why not. Asked only when
   *  the backend is picked (it loads the driver). */
  cuda?: () => { available: boolean; line: string };
}

const START = '$(play) Start training';
const EDIT_JSON = '$(json) Edit settings file…';

const LOSS_INFO: Record<TrainLoss, string> = {
  'cross-entropy': 'classification: class labels or probabilities; softmax applied for you',
  mse: 'regression: mean squared error against float targets',
  bce: 'yes/no or multi-label: binary cross-entropy on logits',
};
const OPT_INFO: Record<TrainOptimizer, string> = {
  adam: 'adaptive; a good default (lr ≈ 1e-3)', adamw: 'Adam with decoupled weight decay', sgd: 'plain or with momentum (lr ≈ 1e-2)',
};
const SCHED_INFO: Record<TrainSchedule, string> = {
  constant: 'the same learning rate throughout', step: 'multiply by gamma every N steps', cosine: 'anneal to 0 over the run',
};
const BACKEND_LABEL: Record<TrainBackend, string> = { auto: 'auto (CUDA when usable, else CPU)', cpu: 'CPU', cuda: 'CUDA' };
const BACKEND_INFO: Record<TrainBackend, string> = {
  auto: 'the GPU when the CUDA backend works here, else the CPU (the log says why)',
  cpu: 'built-in engine (native SIMD kernels when built)',
  cuda: 'NVIDIA GPU through the engine\'s CUDA kernels; stops with the reason when CUDA cannot be used',
};

type Precision = 'fp32' | 'tf32';
const PRECISION_LABEL: Record<Precision, string> = { fp32: 'fp32 (exact)', tf32: 'TF32 tensor cores' };
const PRECISION_INFO: Record<Precision, string> = {
  fp32: 'full float32 arithmetic: the same numbers as the CPU backend (to rounding)',
  tf32: 'matrix products and convolutions on tensor cores (compute capability 8.0+): faster for large layers, inputs rounded to 10 mantissa bits (about 1e-3 relative)',
};

function datasetLabel(d: string): string {
  return d === 'mnist-sample' ? 'mnist-sample (built-in, 10,000 MNIST digits)' : d;
}

type Item = vscode.QuickPickItem & { key: string };

function items(cfg: NlTrainFile, facts: ModelFacts): Item[] {
  const sched = cfg.schedule.type === 'step' ? `step (every ${cfg.schedule.stepSize ?? 1} steps ×${cfg.schedule.gamma ?? 0.1})` : cfg.schedule.type;
  const list: Item[] = [
    { key: 'start', label: START, detail: `${cfg.epochs} epoch${cfg.epochs > 1 ? 's' : ''} on ${cfg.dataset} · ${cfg.optimizer} lr ${cfg.learningRate} · batch ${cfg.batchSize} · ${BACKEND_LABEL[cfg.backend]}${cfg.backend !== 'cpu' && cfg.tf32 ? ' · TF32' : ''}` },
    { key: 'sep', label: 'Settings', kind: vscode.QuickPickItemKind.Separator },
    { key: 'dataset', label: 'Dataset', description: datasetLabel(cfg.dataset) + (cfg.labels ? ` + labels ${cfg.labels}` : '') },
  ];
  if (facts.inputs.length > 1) list.push({ key: 'input', label: 'Input fed with the data', description: cfg.input ?? facts.inputs[0] });
  list.push(
    { key: 'loss', label: 'Loss', description: cfg.loss },
    { key: 'optimizer', label: 'Optimizer', description: cfg.optimizer },
    { key: 'learningRate', label: 'Learning rate', description: String(cfg.learningRate) },
    { key: 'schedule', label: 'Schedule', description: sched },
    { key: 'batchSize', label: 'Batch size', description: String(cfg.batchSize) },
    { key: 'epochs', label: 'Epochs', description: String(cfg.epochs) },
    { key: 'validationSplit', label: 'Validation split', description: `${Math.round(cfg.validationSplit * 100)}% held out` },
    { key: 'freeze', label: 'Frozen layers', description: cfg.freeze.length ? cfg.freeze.join(', ') : 'none (all layers train)' },
    { key: 'backend', label: 'Backend', description: BACKEND_LABEL[cfg.backend] },
  );
  // only the CUDA backend has tensor cores to use
  if (cfg.backend !== 'cpu') list.push({ key: 'tf32', label: 'GPU matrix math', description: cfg.tf32 ? PRECISION_LABEL.tf32 : PRECISION_LABEL.fp32 });
  list.push(
    { key: 'sep2', label: '', kind: vscode.QuickPickItemKind.Separator },
    { key: 'json', label: EDIT_JSON, description: 'every setting, with completion' },
  );
  return list;
}

async function pickOne<T extends string>(title: string, values: readonly T[], current: T, info: Record<string, string>): Promise<T | undefined> {
  const picked = await vscode.window.showQuickPick(
    [current, ...values.filter((v) => v !== current)].map((v) => ({ label: v, description: v === current ? '(current)' : undefined, detail: info[v] })),
    { title, ignoreFocusOut: true },
  );
  return picked?.label as T | undefined;
}

async function number(title: string, current: number, check: (v: number) => string | undefined): Promise<number | undefined> {
  const s = await vscode.window.showInputBox({
    title, value: String(current), ignoreFocusOut: true,
    validateInput: (t) => (Number.isFinite(Number(t)) && t.trim() !== '' ? check(Number(t)) : 'Enter a number'),
  });
  return s === undefined ? undefined : Number(s);
}

/** Asks until Start (returns the settings) or Escape (undefined). 'json' means: open the file. */
export async function trainForm(modelPath: string, start: NlTrainFile, facts: ModelFacts): Promise<NlTrainFile | 'json' | undefined> {
  const cfg: NlTrainFile = { ...start, schedule: { ...start.schedule }, freeze: [...start.freeze] };
  for (;;) {
    const pick = await vscode.window.showQuickPick(items(cfg, facts), {
      title: `Train ${path.basename(modelPath)}`, placeHolder: 'Enter starts training; pick a setting to change it', ignoreFocusOut: true, matchOnDescription: true,
    });
    if (!pick) return undefined;
    switch (pick.key) {
      case 'start': return cfg;
      case 'json': return 'json';
      case 'dataset': {
        const p = await vscode.window.showQuickPick([
          { label: 'mnist-sample', description: 'built-in: 10,000 MNIST digits, 28×28, 10 classes' },
          { label: '$(file) Choose a file…', description: '.npz (x, y), .npy + labels, .csv, MNIST IDX' },
          { label: '$(folder) Choose a folder…', description: 'one subfolder of images per class' },
        ], { title: 'Dataset', ignoreFocusOut: true });
        if (!p) break;
        if (p.label === 'mnist-sample') { cfg.dataset = 'mnist-sample'; cfg.labels = undefined; break; }
        const folder = p.label.includes('folder');
        const uri = await vscode.window.showOpenDialog({
          title: folder ? 'Dataset folder' : 'Dataset file', canSelectFiles: !folder, canSelectFolders: folder, canSelectMany: false,
          defaultUri: vscode.Uri.file(path.dirname(modelPath)),
          filters: folder ? undefined : { Datasets: ['npz', 'npy', 'csv', 'gz', 'ubyte'], 'All files': ['*'] },
        });
        if (!uri?.[0]) break;
        cfg.dataset = relativeDataset(modelPath, uri[0].fsPath);
        cfg.labels = undefined;
        if (/\.npy$|idx3-ubyte|images-idx/i.test(uri[0].fsPath)) {
          const l = await vscode.window.showOpenDialog({ title: 'Labels for these inputs (.npy or IDX labels)', canSelectMany: false, defaultUri: vscode.Uri.file(path.dirname(uri[0].fsPath)) });
          if (l?.[0]) cfg.labels = relativeDataset(modelPath, l[0].fsPath);
        }
        break;
      }
      case 'input': {
        const v = await vscode.window.showQuickPick(facts.inputs, { title: 'Which model input takes the data?', ignoreFocusOut: true });
        if (v) cfg.input = v;
        break;
      }
      case 'loss': {
        const info = { ...LOSS_INFO, ...(facts.classifier ? { 'cross-entropy': `${LOSS_INFO['cross-entropy']} — fits this model's [N, C] output` } : {}) };
        cfg.loss = (await pickOne('Loss', LOSSES, cfg.loss, info)) ?? cfg.loss;
        break;
      }
      case 'optimizer': cfg.optimizer = (await pickOne('Optimizer', OPTIMIZERS, cfg.optimizer, OPT_INFO)) ?? cfg.optimizer; break;
      case 'learningRate': cfg.learningRate = (await number('Learning rate', cfg.learningRate, (v) => (v > 0 && v < 10 ? undefined : 'Between 0 and 10, e.g. 0.001'))) ?? cfg.learningRate; break;
      case 'schedule': {
        const t = await pickOne('Learning-rate schedule', SCHEDULES, cfg.schedule.type, SCHED_INFO);
        if (!t) break;
        cfg.schedule = { type: t };
        if (t === 'step') {
          cfg.schedule.stepSize = await number('Decay every N steps', 100, (v) => (Number.isInteger(v) && v >= 1 ? undefined : 'A whole number ≥ 1'));
          cfg.schedule.gamma = await number('Multiply the learning rate by', 0.5, (v) => (v > 0 && v <= 1 ? undefined : 'Between 0 and 1'));
        }
        break;
      }
      case 'batchSize': cfg.batchSize = (await number('Batch size', cfg.batchSize, (v) => (Number.isInteger(v) && v >= 1 && v <= 65536 ? undefined : 'A whole number from 1 to 65536'))) ?? cfg.batchSize; break;
      case 'epochs': cfg.epochs = (await number('Epochs', cfg.epochs, (v) => (Number.isInteger(v) && v >= 1 ? undefined : 'A whole number ≥ 1'))) ?? cfg.epochs; break;
      case 'validationSplit': cfg.validationSplit = (await number('Fraction held out for validation (0 = none)', cfg.validationSplit, (v) => (v >= 0 && v <= 0.9 ? undefined : 'Between 0 and 0.9'))) ?? cfg.validationSplit; break;
      case 'freeze': {
        const picked = await vscode.window.showQuickPick(
          facts.layers.map((l) => ({ label: l.name, description: l.opType, picked: cfg.freeze.includes(l.name) })),
          { title: 'Layers to freeze (their weights stay as they are)', canPickMany: true, ignoreFocusOut: true },
        );
        if (picked) cfg.freeze = picked.map((p) => p.label);
        break;
      }
      case 'tf32': {
        const v = await pickOne<Precision>('GPU matrix math (CUDA backend)', ['fp32', 'tf32'], cfg.tf32 ? 'tf32' : 'fp32', PRECISION_INFO);
        if (v) cfg.tf32 = v === 'tf32';
        break;
      }
      case 'backend': {
        const cuda = facts.cuda?.();
        const here = cuda ? (cuda.available ? `here: ${cuda.line}` : `not usable here: ${cuda.line}`) : undefined;
        const info = { ...BACKEND_INFO, ...(here ? { auto: `${BACKEND_INFO.auto} — CUDA ${here}`, cuda: `${BACKEND_INFO.cuda} — ${here}` } : {}) };
        const b = await pickOne('Backend', BACKENDS, cfg.backend, info);
        if (!b) break;
        cfg.backend = b;
        if (b === 'cuda' && cuda && !cuda.available) {
          void vscode.window.showWarningMessage(`CUDA cannot be used here (${cuda.line}). Training with "cuda" will stop with this reason; "auto" trains on the CPU instead.`);
        }
        break;
      }
    }
  }
}
