// The metrics a run leaves beside the model: `<model>.metrics.csv` (one row per step, with the
// validation columns filled on the last step of each epoch) and `<model>.metrics.jsonl`
// (one object per step, then one per epoch).

import type { EpochSummary } from '../../shared/protocolTraining';

export interface MetricsRow {
  step: number; epoch: number; loss: number; accuracy?: number; lr: number; samplesPerSec: number; gradNorm: number;
  valLoss?: number; valAccuracy?: number;
}

const COLS: (keyof MetricsRow)[] = ['step', 'epoch', 'loss', 'accuracy', 'lr', 'samplesPerSec', 'gradNorm', 'valLoss', 'valAccuracy'];
const HEAD = 'step,epoch,loss,accuracy,lr,samples_per_sec,grad_norm,val_loss,val_accuracy';

export function metricsCsv(rows: MetricsRow[]): string {
  const cell = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '' : String(v));
  return [HEAD, ...rows.map((r) => COLS.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

export function metricsJsonl(rows: MetricsRow[], epochs: EpochSummary[]): string {
  const lines = rows.map((r) => JSON.stringify({ kind: 'step', ...r }));
  for (const e of epochs) lines.push(JSON.stringify({ kind: 'epoch', ...e }));
  return lines.join('\n') + '\n';
}
