// The training dashboard panel: a webview beside the model that shows one controller's run.
// On (re)load it gets the run so far (metrics coalesced into one batch), then every message
// the worker sends (already throttled there). Its buttons run the training commands.

import * as vscode from 'vscode';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FromDashboard, FromTrainWorker, MetricsBatch, ToDashboard } from '../../shared/protocolTraining';
import type { TrainingController } from './controller';
import { log } from '../log';

/** The metrics so far as one batch (a dashboard opened mid-run draws them at once). */
export function coalesce(c: TrainingController): MetricsBatch | undefined {
  const h = c.history;
  if (!h.step.length) return undefined;
  const last = [...c.log].reverse().find((m): m is Extract<FromTrainWorker, { type: 'metrics' }> => m.type === 'metrics');
  return {
    step: Float64Array.from(h.step), epoch: new Float64Array(h.step.length), loss: Float32Array.from(h.loss),
    accuracy: Float32Array.from(h.accuracy), lr: Float32Array.from(h.lr), samplesPerSec: Float32Array.from(h.samplesPerSec),
    gradNorm: Float32Array.from(h.gradNorm), layerGradNorms: last!.batch.layerGradNorms, layerWeightNorms: last!.batch.layerWeightNorms,
    elapsedMs: last!.batch.elapsedMs, etaMs: last!.batch.etaMs,
  };
}

export class DashboardPanel {
  private readonly panel: vscode.WebviewPanel;
  private sub?: { dispose(): void };
  private controller!: TrainingController;
  disposed = false;

  constructor(private readonly context: vscode.ExtensionContext, c: TrainingController) {
    this.panel = vscode.window.createWebviewPanel('neuralLens.trainingDashboard', 'Training', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist')],
    });
    this.panel.webview.html = this.html();
    this.panel.webview.onDidReceiveMessage((m: FromDashboard) => void this.handle(m));
    this.panel.onDidDispose(() => { this.disposed = true; this.sub?.dispose(); });
    this.attach(c);
  }

  get visible(): boolean { return !this.disposed && this.panel.visible; }

  reveal(): void { this.panel.reveal(undefined, true); }

  attach(c: TrainingController): void {
    this.sub?.dispose();
    this.controller = c;
    this.panel.title = `Training: ${path.basename(c.job.modelPath)}`;
    this.replay();
    this.sub = c.onMessage((m) => this.post(m));
  }

  private post(m: ToDashboard): void { void this.panel.webview.postMessage(m); }

  private replay(): void {
    const c = this.controller;
    this.post({ type: 'reset', title: path.basename(c.job.modelPath), job: c.job });
    const batch = coalesce(c);
    for (const m of c.log) if (m.type !== 'metrics' && m.type !== 'histograms') this.post(m);
    if (batch) this.post({ type: 'metrics', batch });
    for (const s of c.history.histograms) this.post({ type: 'histograms', snapshot: s });
    this.post({ type: 'state', state: c.state });
  }

  private async handle(m: FromDashboard): Promise<void> {
    switch (m.type) {
      case 'ready': this.replay(); return;
      case 'control': {
        const cmd = { pause: 'neuralLens.pauseResumeTraining', resume: 'neuralLens.pauseResumeTraining', stop: 'neuralLens.stopTraining',
          saveAs: 'neuralLens.saveTrainedModel', resumeCheckpoint: 'neuralLens.resumeTrainingFromCheckpoint' }[m.action];
        await vscode.commands.executeCommand(cmd, m.action === 'resumeCheckpoint' ? vscode.Uri.file(this.controller.job.modelPath) : undefined);
        return;
      }
      case 'savePng': {
        const dir = path.dirname(this.controller.job.modelPath);
        const target = await vscode.window.showSaveDialog({ title: 'Export chart as PNG', defaultUri: vscode.Uri.file(path.join(dir, m.suggestedName)), filters: { 'PNG image': ['png'] } });
        if (!target) return this.post({ type: 'exported' });
        try {
          await vscode.workspace.fs.writeFile(target, Buffer.from(m.data, 'base64'));
          this.post({ type: 'exported', path: target.fsPath });
        } catch (e) { this.post({ type: 'exported', error: (e as Error).message }); }
        return;
      }
      case 'log': log[m.level](`dashboard: ${m.message}`); return;
    }
  }

  private html(): string {
    const w = this.panel.webview, nonce = randomBytes(16).toString('base64');
    const js = w.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'trainingDashboard.js'));
    const css = w.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'trainingDashboard.css'));
    const csp = [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src ${w.cspSource} 'unsafe-inline'`, `img-src ${w.cspSource} data:`, `font-src ${w.cspSource}`].join('; ');
    return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0"><link rel="stylesheet" href="${css}"><title>Training</title></head>
<body><div id="dash"></div><script nonce="${nonce}" src="${js}"></script></body></html>`;
  }
}
