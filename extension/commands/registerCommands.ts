/** Palette commands under the "Neural Lens" category. Each is a few lines; work lives elsewhere. */
import * as vscode from 'vscode';
import { OnnxEditorProvider } from '../editor/onnxEditorProvider';
import { log } from '../log';
import { registerRunCommands } from './runCommands';
import { TrainingManager } from '../trainingUi/manager';

const SAMPLES = ['mnist-mlp.onnx', 'mnist-cnn.onnx'];

export function registerCommands(context: vscode.ExtensionContext, editors: OnnxEditorProvider): void {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  registerRunCommands(context, editors);
  TrainingManager.register(context, editors);

  // Opens the MLP at once so a new user sees a graph immediately; pass "mnist-cnn.onnx"
  // (e.g. from a keybinding or another command) for the convolutional sample.
  reg('neuralLens.openSample', async (file?: unknown) => {
    const name = typeof file === 'string' && SAMPLES.includes(file) ? file : SAMPLES[0];
    const uri = vscode.Uri.joinPath(context.extensionUri, 'media', 'samples', name);
    await vscode.commands.executeCommand('vscode.openWith', uri, OnnxEditorProvider.viewType);
  });

  reg('neuralLens.openModel', async () => {
    const picked = await vscode.window.showOpenDialog({
      title: 'Open an ONNX model',
      canSelectMany: false,
      filters: { 'ONNX models': ['onnx'], 'All files': ['*'] },
    });
    if (picked?.[0]) await vscode.commands.executeCommand('vscode.openWith', picked[0], OnnxEditorProvider.viewType);
  });

  const toViewer = (command: 'fit' | 'exportPng' | 'exportSvg' | 'focusSearch') => () => {
    if (!editors.postToActive({ type: 'command', command })) {
      void vscode.window.showInformationMessage('Open an ONNX model in the Neural Lens viewer first.');
    }
  };
  reg('neuralLens.fitGraph', toViewer('fit'));
  reg('neuralLens.exportPng', toViewer('exportPng'));
  reg('neuralLens.exportSvg', toViewer('exportSvg'));

  reg('neuralLens.showModelSummary', async () => {
    const doc = editors.activeDocument();
    if (!doc) return void vscode.window.showInformationMessage('Open an ONNX model in the Neural Lens viewer first.');
    if (!doc.view) return void vscode.window.showErrorMessage(doc.error?.message ?? 'The model could not be read.');
    const { formatSummary } = await import('../graph/formatSummary');
    const text = formatSummary(doc.view.summary);
    const shown = await vscode.workspace.openTextDocument({ content: text, language: 'markdown' });
    await vscode.window.showTextDocument(shown, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    log.info(`Summary shown for ${doc.uri.fsPath}`);
  });
}

/**
 * Opens the models listed in the workspace setting `neuralLens.openOnStartup` (paths relative
 * to the first workspace folder). The demo workspace of `scripts/launch.sh` uses it so the
 * sample model is on screen as soon as VS Code is.
 */
export async function openStartupModels(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const paths = vscode.workspace.getConfiguration('neuralLens').get<string[]>('openOnStartup', []);
  if (!folder || !Array.isArray(paths)) return;
  for (const p of paths) {
    const uri = vscode.Uri.joinPath(folder.uri, p);
    try {
      await vscode.workspace.fs.stat(uri);
      await vscode.commands.executeCommand('vscode.openWith', uri, OnnxEditorProvider.viewType);
    } catch {
      log.warn(`neuralLens.openOnStartup: ${p} was not found in ${folder.uri.fsPath}`);
    }
  }
}
