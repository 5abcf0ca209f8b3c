// The host side of training in VS Code: the Train Model command and its form, one running job
// (a TrainingController) with its progress notification, status bar item, Output channel log,
// dashboard panel, gradient flow and live weights in the model viewer, and the Stop,
// Pause/Resume, Resume from Checkpoint and Save Trained Model As… commands.

import * as vscode from 'vscode';
import fs from 'node:fs';
import path from 'node:path';
import type { OnnxEditorProvider } from '../editor/onnxEditorProvider';
import type { FromTrainWorker, TrainJob } from '../../shared/protocolTraining';
import { log } from '../log';
import { TrainingController } from './controller';
import { asTrainBackend, defaultTrainFile, jobFromFile, readTrainFile, sidecarPaths, writeTrainFile, type NlTrainFile } from './config';
import { trainForm, type ModelFacts } from './form';
import { setLiveWeights } from './liveWeights';
import { DashboardPanel } from './dashboardPanel';

const fmtTime = (ms: number) => {
  if (!Number.isFinite(ms)) return '…';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
};

export class TrainingManager implements vscode.Disposable {
  private controller?: TrainingController;
  private dashboard?: DashboardPanel;
  private readonly status = vscode.window.createStatusBarItem('neuralLens.training', vscode.StatusBarAlignment.Left, 50);
  private lastFlowPost = 0;

  constructor(private readonly context: vscode.ExtensionContext, private readonly editors: OnnxEditorProvider) {
    this.status.name = 'Neural Lens Training';
    this.status.command = 'neuralLens.showTrainingDashboard';
  }

  static register(context: vscode.ExtensionContext, editors: OnnxEditorProvider): TrainingManager {
    const m = new TrainingManager(context, editors);
    const reg = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
    reg('neuralLens.trainModel', (uri?: unknown) => m.train(uri, false));
    reg('neuralLens.resumeTrainingFromCheckpoint', (uri?: unknown) => m.train(uri, true));
    reg('neuralLens.stopTraining', () => m.stop());
    reg('neuralLens.pauseResumeTraining', () => m.togglePause());
    reg('neuralLens.saveTrainedModel', () => m.saveAs());
    reg('neuralLens.showTrainingDashboard', () => m.showDashboard());
    context.subscriptions.push(m);
    return m;
  }

  get active(): TrainingController | undefined { return this.controller; }

  private async modelPath(arg: unknown): Promise<string | undefined> {
    if (arg instanceof vscode.Uri) return arg.fsPath;
    if (typeof arg === 'string' && arg.endsWith('.onnx')) return arg;
    const doc = this.editors.activeDocument();
    if (doc) return doc.uri.fsPath;
    if (this.dashboard?.visible && this.controller) return this.controller.job.modelPath;
    const picked = await vscode.window.showOpenDialog({ title: 'Model to train', canSelectMany: false, filters: { 'ONNX models': ['onnx'] } });
    return picked?.[0]?.fsPath;
  }

  private async facts(modelPath: string): Promise<ModelFacts> {
    const { readModelFileSync } = await import('../onnx/reader');
    const { cudaStatus, cudaStatusLine } = await import('../engine/cuda/status');
    const m = readModelFileSync(modelPath);
    const inits = m.graph.initializers;
    const isFloat = (n: string) => { const t = inits.get(n); return !!t && /^float/.test(t.elemType); };
    const out = m.graph.outputs[0];
    return {
      inputs: m.graph.inputs.filter((v) => !inits.has(v.name)).map((v) => v.name),
      layers: m.graph.nodes.map((n, i) => ({ name: n.name || `${n.opType}_${i}`, opType: n.opType, w: n.inputs.some(isFloat) })).filter((l) => l.w).map(({ name, opType }) => ({ name, opType })),
      classifier: out?.shape?.length === 2,
      cuda: () => { const st = cudaStatus(); return { available: st.available, line: cudaStatusLine(st).replace(/^CUDA not available: /, '') }; },
    };
  }

  /** Files a run keeps beside the model; for the bundled samples (inside the extension, replaced on
   *  update) in the extension's global storage instead. */
  private sidecars(modelPath: string): ReturnType<typeof sidecarPaths> {
    const rel = path.relative(this.context.extensionPath, modelPath);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return sidecarPaths(modelPath);
    const dir = path.join(this.context.globalStorageUri.fsPath, 'samples');
    fs.mkdirSync(dir, { recursive: true });
    return sidecarPaths(path.join(dir, path.basename(modelPath)));
  }

  async train(arg: unknown, resume: boolean): Promise<void> {
    const modelPath = await this.modelPath(arg);
    if (!modelPath) return;
    if (this.controller?.running) {
      const ok = await vscode.window.showWarningMessage(
        `${path.basename(this.controller.job.modelPath)} is still training. Stop it and start a new run?`, { modal: true }, 'Stop and Start');
      if (ok !== 'Stop and Start') return;
      await this.controller.stop();
    }
    const side = this.sidecars(modelPath);
    // the setting is the backend of models whose settings file does not name one
    const backend = asTrainBackend(vscode.workspace.getConfiguration('neuralLens').get('training.backend', 'cpu'));
    let cfg: NlTrainFile;
    try { cfg = readTrainFile(side.config, backend) ?? defaultTrainFile(backend); } catch (e) {
      const open = await vscode.window.showErrorMessage((e as Error).message, 'Edit Settings File', 'Use Defaults');
      if (open === 'Edit Settings File') return void vscode.window.showTextDocument(vscode.Uri.file(side.config));
      if (open !== 'Use Defaults') return;
      cfg = defaultTrainFile(backend);
    }
    let resumeFrom: string | undefined;
    if (resume) {
      if (!fs.existsSync(side.checkpoint)) {
        return void vscode.window.showErrorMessage(`No checkpoint for ${path.basename(modelPath)} (looked for ${path.basename(side.checkpoint)}). Train it first.`);
      }
      resumeFrom = side.checkpoint;
    } else {
      let facts: ModelFacts;
      try { facts = await this.facts(modelPath); } catch (e) {
        return void vscode.window.showErrorMessage(`Cannot train ${path.basename(modelPath)}: ${(e as Error).message}`);
      }
      const res = await trainForm(modelPath, cfg, facts);
      if (!res) return;
      if (res === 'json') {
        if (!fs.existsSync(side.config)) writeTrainFile(side.config, cfg);
        return void vscode.window.showTextDocument(vscode.Uri.file(side.config));
      }
      cfg = res;
      try { writeTrainFile(side.config, cfg); } catch (e) { log.warn(`Could not write ${side.config}: ${(e as Error).message}`); }
    }
    const stepDelayMs = vscode.workspace.getConfiguration('neuralLens').get<number>('training.stepDelayMs', 0) || undefined;
    this.start(jobFromFile(modelPath, cfg, { resumeFrom, stepDelayMs, checkpointPath: side.checkpoint, metricsBase: side.metricsBase }));
  }

  private start(job: TrainJob): void {
    void this.controller?.dispose();
    const workerFile = path.join(this.context.extensionPath, 'dist', 'trainWorker.js');
    const c = this.controller = new TrainingController(job, workerFile);
    const name = path.basename(job.modelPath);
    log.info(`Training ${name}: ${job.epochs} epoch(s) on ${job.data}, ${job.optimizer} lr ${job.lr}, batch ${job.batchSize}, backend ${job.backend}${job.resumeFrom ? `, resuming from ${path.basename(job.resumeFrom)}` : ''}`);
    setLiveWeights(job.modelPath, (names) => c.weights(names));
    this.showDashboard();
    // the dashboard opens beside the viewer and narrows it: fit the graph again
    setTimeout(() => this.editors.postToDocument(job.modelPath, { type: 'command', command: 'fit' }), 600);
    void vscode.commands.executeCommand('setContext', 'neuralLens.training', 'running');
    this.status.text = `$(sync~spin) Training ${name}…`;
    this.status.tooltip = 'Neural Lens training: click for the dashboard';
    this.status.show();

    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Training ${name}`, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => { if (c.running) void c.stop(); });
      let last = 0;
      const sub = c.onMessage((m) => {
        if (m.type === 'metrics' && c.ready) {
          const step = m.batch.step[m.batch.step.length - 1] + 1, total = c.ready.totalSteps;
          const pct = (100 * step) / total;
          const epoch = Math.floor((step - 1) / c.ready.stepsPerEpoch) + 1, epochs = Math.ceil(total / c.ready.stepsPerEpoch);
          progress.report({ increment: pct - last, message: `epoch ${epoch}/${epochs} · step ${step}/${total} · loss ${m.batch.loss[m.batch.loss.length - 1].toFixed(3)} · ETA ${fmtTime(m.batch.etaMs)}` });
          last = pct;
        } else if (m.type === 'state' && m.state === 'paused') progress.report({ message: 'paused' });
      });
      return c.ended.finally(() => sub.dispose());
    });

    c.onMessage((m) => this.onMessage(c, m));
  }

  private onMessage(c: TrainingController, m: FromTrainWorker): void {
    if (c !== this.controller) return;
    const name = path.basename(c.job.modelPath);
    switch (m.type) {
      case 'ready':
        log.info(`${name}: ${m.ready.trainSize} training / ${m.ready.valSize} validation samples, ${m.ready.totalSteps} steps, ${m.ready.layers.length} trainable layers, backend ${m.ready.backend}${m.ready.startStep ? `, from step ${m.ready.startStep}` : ''}`);
        if (m.ready.backendFallback) log.warn(`${name}: ${m.ready.backendReason}`);
        else log.info(`${name}: backend ${m.ready.backend}: ${m.ready.backendReason}`);
        break;
      case 'metrics': {
        const b = m.batch, i = b.step.length - 1, total = c.ready?.totalSteps ?? 0;
        const spe = c.ready?.stepsPerEpoch ?? 1;
        this.status.text = `${c.state === 'paused' ? '$(debug-pause)' : '$(sync~spin)'} ${name}: epoch ${Math.floor(b.step[i] / spe) + 1}/${Math.ceil(total / spe)} · step ${b.step[i] + 1}/${total} · loss ${b.loss[i].toFixed(3)}`;
        const now = Date.now();
        if (now - this.lastFlowPost >= 500 && c.ready && b.layerGradNorms.length) {
          this.lastFlowPost = now;
          this.editors.postToDocument(c.job.modelPath, { type: 'gradientFlow', step: b.step[i], nodeIds: c.ready.layers.map((l) => l.nodeId), gradNorms: Float32Array.from(b.layerGradNorms) });
        }
        break;
      }
      case 'weightsChanged': this.editors.postToDocument(c.job.modelPath, { type: 'weightsChanged', step: m.step }); break;
      case 'epoch': {
        const s = m.summary;
        const pct = (v?: number) => (v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);
        log.info(`${name}: epoch ${s.epoch + 1}: loss ${s.trainLoss.toFixed(4)}, accuracy ${pct(s.trainAccuracy)}${s.valLoss !== undefined ? `, validation loss ${s.valLoss.toFixed(4)}, accuracy ${pct(s.valAccuracy)}` : ''} (${fmtTime(s.elapsedMs)})`);
        break;
      }
      case 'checkpointed':
        if (m.error) log.warn(m.error); else log.info(`${name}: checkpoint at step ${m.step} → ${m.path}`);
        break;
      case 'state':
        if (m.state === 'paused') { this.status.text = `$(debug-pause) ${name}: paused`; void vscode.commands.executeCommand('setContext', 'neuralLens.training', 'paused'); }
        if (m.state === 'running') void vscode.commands.executeCommand('setContext', 'neuralLens.training', 'running');
        if (m.state === 'finished' || m.state === 'stopped' || m.state === 'failed') this.ended(c, m.state);
        break;
      case 'error':
        log.error(`${name}: ${m.error.message} ${m.error.hint}`);
        void vscode.window.showErrorMessage(`${m.error.message} ${m.error.hint}`, 'Show Log').then((a) => { if (a) log.show(); });
        break;
    }
  }

  private ended(c: TrainingController, state: string): void {
    const name = path.basename(c.job.modelPath);
    void vscode.commands.executeCommand('setContext', 'neuralLens.training', state === 'failed' ? undefined : 'done');
    this.status.text = state === 'failed' ? `$(error) ${name}: training failed` : `$(check) ${name}: trained`;
    this.status.tooltip = 'Click for the training dashboard';
    const s = c.summary;
    if (!s) return;
    const acc = s.valAccuracy !== undefined ? `, validation accuracy ${(s.valAccuracy * 100).toFixed(1)}%` : '';
    log.info(`${name}: ${state} after ${s.steps} steps in ${s.seconds.toFixed(1)} s on ${s.backend ?? 'CPU'}${acc}; metrics in ${path.basename(c.job.metricsBase)}.csv/.jsonl`);
    void vscode.window.showInformationMessage(`${name}: training ${state} after ${s.steps} steps${acc}.`, 'Save Trained Model As…').then((a) => {
      if (a) void this.saveAs();
    });
  }

  async stop(): Promise<void> {
    const c = this.controller;
    if (!c?.running) return void vscode.window.showInformationMessage('No training is running.');
    await c.stop();
  }

  togglePause(): void {
    const c = this.controller;
    if (!c?.running) return void vscode.window.showInformationMessage('No training is running.');
    if (c.state === 'paused') c.resume(); else c.pause();
  }

  async saveAs(): Promise<void> {
    const c = this.controller;
    if (!c?.ready) return void vscode.window.showInformationMessage('Nothing trained yet: run Neural Lens: Train Model… first.');
    const model = c.job.modelPath;
    const target = await vscode.window.showSaveDialog({
      title: 'Save the trained model as',
      defaultUri: vscode.Uri.file(model.replace(/\.onnx$/i, '') + '-trained.onnx'),
      filters: { 'ONNX models': ['onnx'] },
    });
    if (!target) return;
    if (path.resolve(target.fsPath) === path.resolve(model)) {
      return void vscode.window.showWarningMessage(`Not saved: that is the original model ${path.basename(model)}. Choose a new file name so the original stays intact.`);
    }
    try {
      const file = await c.save(target.fsPath);
      log.info(`Saved the trained model to ${file}`);
      const open = await vscode.window.showInformationMessage(`Trained model saved to ${path.basename(file)}.`, 'Open');
      if (open) await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), 'neuralLens.onnxEditor');
    } catch (e) {
      void vscode.window.showErrorMessage((e as Error).message);
    }
  }

  showDashboard(): void {
    const c = this.controller;
    if (!c) return void vscode.window.showInformationMessage('No training yet: run Neural Lens: Train Model… first.');
    if (this.dashboard && !this.dashboard.disposed) this.dashboard.attach(c);
    else this.dashboard = new DashboardPanel(this.context, c);
    this.dashboard.reveal();
  }

  dispose(): void {
    this.status.dispose();
    void this.controller?.dispose();
  }
}
