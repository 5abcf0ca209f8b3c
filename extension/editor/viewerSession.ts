/**
 * The host side of one viewer panel: answers the webview's requests for one document.
 * All traffic is typed by shared/protocol.ts.
 */
import * as vscode from 'vscode';
import path from 'node:path';
import type { FromWebview, ToWebview, ViewerSettings } from '../../shared/protocol';
import type { OnnxDocument } from './onnxDocument';
import { log } from '../log';

export function viewerSettings(): ViewerSettings {
  const cfg = vscode.workspace.getConfiguration('neuralLens');
  return {
    collapseThreshold: cfg.get<number>('graph.collapseThreshold', 3000),
    showEdgeShapes: cfg.get<boolean>('graph.showEdgeShapes', true),
    heatmapMaxCells: cfg.get<number>('heatmap.maxCells', 65536),
  };
}

export class ViewerSession implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly document: OnnxDocument,
    private readonly panel: vscode.WebviewPanel,
  ) {
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: FromWebview) => {
        this.handle(m).catch((e) => log.error(`Viewer message ${m?.type} failed: ${(e as Error).message}`));
      }),
      document.onDidReload(() => this.sendInit()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('neuralLens')) this.sendInit();
      }),
    );
  }

  post(message: ToWebview): void {
    // Typed arrays inside messages are transferred by VS Code as binary, not JSON numbers.
    void this.panel.webview.postMessage(message);
  }

  sendInit(): void {
    this.post({ type: 'init', model: this.document.view, error: this.document.error, settings: viewerSettings() });
  }

  private async handle(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.sendInit();
        return;
      case 'requestWeightStats':
        return this.sendWeightStats(m.requestId, m.graphId, m.tensors);
      case 'requestHeatmap':
        return this.sendHeatmap(m.requestId, m.graphId, m.tensor, m.maxCells);
      case 'saveExport':
        return this.saveExport(m.format, m.data, m.suggestedName);
      case 'rendered':
        log.info(`${path.basename(this.document.uri.path)}: drew ${m.nodeCount} nodes (layout ${m.layoutMs.toFixed(0)} ms, first frame ${m.firstFrameMs.toFixed(0)} ms)`);
        return;
      case 'log':
        log[m.level](`webview: ${m.message}`);
        return;
      case 'runModel':
        return void vscode.commands.executeCommand('neuralLens.runModel');
      case 'train':
        return void vscode.commands.executeCommand('neuralLens.trainModel', this.document.uri);
      case 'gradientFlowShown':
        return;
      case 'requestActivation': case 'compareBackends': case 'requestSaliency':
        return (await import('../inference/runController')).handleViewerMessage(this.document, (r) => this.post(r), m);
    }
  }

  private async sendWeightStats(requestId: number, graphId: string, tensors: string[]): Promise<void> {
    const model = this.document.model;
    if (!model) return this.post({ type: 'weightStats', requestId, graphId, stats: {}, error: 'No model is loaded.' });
    const { findTensor, weightStats } = await import('../graph/tensorViews');
    const stats: Record<string, ReturnType<typeof weightStats>> = {};
    const errors: string[] = [];
    for (const name of tensors) {
      try {
        const ref = findTensor(model, graphId, name);
        if (ref) stats[name] = weightStats(ref);
        else errors.push(`${name}: not an initializer of this graph`);
      } catch (e) {
        errors.push(`${name}: ${(e as Error).message}`);
      }
    }
    this.post({ type: 'weightStats', requestId, graphId, stats, error: errors.length ? errors.join('; ') : undefined });
  }

  private async sendHeatmap(requestId: number, graphId: string, tensor: string, maxCells: number): Promise<void> {
    const model = this.document.model;
    if (!model) return this.post({ type: 'heatmap', requestId, error: 'No model is loaded.' });
    try {
      const { findTensor, heatmapData } = await import('../graph/tensorViews');
      const ref = findTensor(model, graphId, tensor);
      if (!ref) return this.post({ type: 'heatmap', requestId, error: `${tensor} is not a weight of this graph.` });
      // while this model trains, show the trained values (training/liveWeights)
      const { liveWeight, withValues } = await import('../trainingUi/liveWeights');
      const live = graphId === 'main' ? await liveWeight(this.document.uri.fsPath, tensor) : undefined;
      this.post({ type: 'heatmap', requestId, data: heatmapData(graphId, live ? withValues(ref, live) : ref, maxCells) });
    } catch (e) {
      this.post({ type: 'heatmap', requestId, error: `Cannot show ${tensor}: ${(e as Error).message}` });
    }
  }

  private async saveExport(format: 'png' | 'svg', data: string, suggestedName: string): Promise<void> {
    const dir = vscode.Uri.joinPath(this.document.uri, '..');
    const target = await vscode.window.showSaveDialog({
      title: `Export graph as ${format.toUpperCase()}`,
      defaultUri: vscode.Uri.joinPath(dir, suggestedName),
      filters: format === 'png' ? { 'PNG image': ['png'] } : { 'SVG image': ['svg'] },
    });
    if (!target) return this.post({ type: 'exported' });
    try {
      const bytes = format === 'png' ? Buffer.from(data, 'base64') : Buffer.from(data, 'utf8');
      await vscode.workspace.fs.writeFile(target, bytes);
      log.info(`Exported graph to ${target.fsPath}`);
      this.post({ type: 'exported', path: target.fsPath });
      void vscode.window.showInformationMessage(`Graph exported to ${path.basename(target.path)}.`);
    } catch (e) {
      const error = `Could not write ${target.fsPath}: ${(e as Error).message}`;
      this.post({ type: 'exported', error });
      void vscode.window.showErrorMessage(error);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
