// Turns what goes wrong in a training run into one clear sentence and what to do about it.
// Checks that can be made before the first step (labels, input shape) live
// here too, so the user hears about them before anything runs.

import { NonFiniteError } from '../engine/executor';
import type { TrainError, TrainJob } from '../../shared/protocolTraining';

export class TrainingError extends Error {
  constructor(readonly info: TrainError) { super(info.message); this.name = 'TrainingError'; }
}

const fail = (info: TrainError): never => { throw new TrainingError(info); };

/** Data samples against the model input: names the first dimension that disagrees. */
export function checkInputShape(inputName: string, modelDims: readonly (number | string | null)[] | undefined, dataDims: number[]): void {
  if (!modelDims) return;
  const want = modelDims.slice(1);
  if (!want.every((d) => typeof d === 'number')) return;
  const w = want as number[];
  const size = (a: number[]) => a.reduce((p, q) => p * q, 1);
  if (size(w) === size(dataDims)) return; // reshaped to fit
  const shape = (a: (number | string | null)[]) => `[${a.join('×')}]`;
  if (w.length === dataDims.length) {
    const i = w.findIndex((d, k) => d !== dataDims[k]);
    fail({ code: 'inputShape',
      message: `Input shape mismatch: dimension ${i + 1} of input "${inputName}" is ${w[i]} in the model but ${dataDims[i]} in the data (model ${shape(['N', ...w])}, data ${shape(['N', ...dataDims])}).`,
      hint: 'Pick a dataset whose samples match the model input, or a model made for this data.' });
  }
  fail({ code: 'inputShape',
    message: `Input shape mismatch: input "${inputName}" takes ${shape(['N', ...w])} (${size(w)} values per sample) but the data's samples are ${shape(['N', ...dataDims])} (${size(dataDims)} values).`,
    hint: 'Pick a dataset whose samples match the model input, or a model made for this data.' });
}

/** Class labels against the width of the model output. */
export function checkLabels(maxLabel: number, minLabel: number, classes: number | undefined, outputName: string): void {
  if (minLabel < 0) {
    fail({ code: 'labelsOutOfRange', message: `Labels out of range: the data has label ${minLabel}; class labels must be 0 or more.`,
      hint: 'Relabel the classes as 0 … C−1.' });
  }
  if (classes !== undefined && maxLabel >= classes) {
    fail({ code: 'labelsOutOfRange',
      message: `Labels out of range: the data has label ${maxLabel} but the model output "${outputName}" has ${classes} classes (0 … ${classes - 1}).`,
      hint: `Relabel the data as 0 … ${classes - 1}, or use a model whose output has at least ${maxLabel + 1} classes.` });
  }
}

/** Anything thrown during a run → a TrainError. */
export function toTrainError(e: unknown, job?: Pick<TrainJob, 'lr' | 'batchSize' | 'loss'>, outputName?: string): TrainError {
  if (e instanceof TrainingError) return e.info;
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string })?.code;
  if (e instanceof NonFiniteError || /NaN\/Inf|loss became (NaN|Inf)/i.test(msg)) {
    const nf = e instanceof NonFiniteError ? e : undefined;
    const step = nf?.step;
    const isLoss = nf?.nodeName === 'loss';
    const layer = nf ? (isLoss ? `${nf.opType} loss on "${nf.valueName}"` : `${nf.nodeName} (${nf.opType})`) : undefined;
    const where = nf ? (isLoss ? ` in the ${layer}` : ` in layer ${layer}`) : '';
    return { code: 'nanLoss', step, layer,
      message: `Training stopped: the loss became NaN at step ${step ?? '?'}${where}${nf?.phase === 'backward' ? ' (during backpropagation)' : ''}.`,
      hint: `Lower the learning rate${job ? ` (now ${job.lr}; try ${job.lr / 10})` : ''} or set a gradient clip norm; the last checkpoint is kept.` };
  }
  if (code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory|Array buffer allocation failed|Invalid typed array length|heap out of memory|Reached heap limit/i.test(msg)) {
    return { code: 'outOfMemory', message: 'Training ran out of memory.',
      hint: `Lower the batch size${job ? ` (now ${job.batchSize})` : ''} or use a smaller model or dataset; the last checkpoint is kept.` };
  }
  let m: RegExpMatchArray | null;
  if ((m = msg.match(/label (-?\d+) outside \[0, (\d+)\)/))) {
    return { code: 'labelsOutOfRange', message: `Labels out of range: the data has label ${m[1]} but the model output${outputName ? ` "${outputName}"` : ''} has ${m[2]} classes.`,
      hint: `Relabel the data as 0 … ${Number(m[2]) - 1}, or use a model with more outputs.` };
  }
  if (/cross-entropy needs logits|do not match the output|fit neither class indices/.test(msg)) {
    const hint = job?.loss === 'cross-entropy'
      ? 'Cross-entropy needs an output of class scores [N, C]; for one value per sample use mse (regression) or bce (yes/no).'
      : job?.loss === 'mse' || job?.loss === 'bce'
        ? 'For integer class labels use cross-entropy; mse and bce need targets shaped like the output.'
        : 'Pick a loss that fits the model output and the targets.';
    return { code: 'lossOutput', message: `The model output${outputName ? ` "${outputName}"` : ''} cannot take the ${job?.loss ?? 'chosen'} loss: ${msg}.`, hint };
  }
  if (/samples have shape/.test(msg)) return { code: 'inputShape', message: `Input shape mismatch: ${msg}.`, hint: 'Pick a dataset whose samples match the model input.' };
  if (/dataset|\.npz|\.npy|\.csv|IDX|does not exist/i.test(msg)) return { code: 'dataset', message: msg, hint: 'Check the dataset path and format (mnist-sample, .npz with x and y, .npy with labels, .csv, MNIST IDX).' };
  if (/checkpoint/i.test(msg)) return { code: 'checkpoint', message: msg, hint: 'Start a fresh run, or pick the checkpoint written for this model.' };
  if (/not supported by the engine|unsupported|ONNX/i.test(msg)) return { code: 'model', message: msg, hint: 'This model uses something the training engine cannot run yet.' };
  return { code: 'internal', message: msg, hint: 'See the Neural Lens output channel for details.' };
}
