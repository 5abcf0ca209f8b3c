/** Run Model and the environment report: thin command wrappers over extension/inference. */
import * as vscode from 'vscode';
import type { OnnxEditorProvider } from '../editor/onnxEditorProvider';
import { log } from '../log';
import { setOrtFolder } from '../inference/ortLoader';

const REPORT_SCHEME = 'neural-lens-report';

export function registerRunCommands(context: vscode.ExtensionContext, editors: OnnxEditorProvider): void {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  // ORT is loaded once per extension host, on first use: the folder setting applies to that load
  // (read again by each command that may load it, so no event ordering matters).
  const applyOrtFolder = () => setOrtFolder(vscode.workspace.getConfiguration('neuralLens').get<string>('inference.onnxRuntimeFolder', ''));
  applyOrtFolder();
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration(async (e) => {
    if (!e.affectsConfiguration('neuralLens.inference.onnxRuntimeFolder') || applyOrtFolder()) return;
    const reload = 'Reload Window';
    const pick = await vscode.window.showInformationMessage('Neural Lens: ONNX Runtime is already loaded; the new ONNX Runtime folder is used after the window reloads.', reload);
    if (pick === reload) await vscode.commands.executeCommand('workbench.action.reloadWindow');
  }));

  reg('neuralLens.runModel', async () => {
    const doc = editors.activeDocument();
    if (!doc) return void vscode.window.showInformationMessage('Open an ONNX model in the Neural Lens viewer first, then run it.');
    applyOrtFolder();
    const { initRunController, runModel } = await import('../inference/runController');
    initRunController(context);
    await runModel(doc, (m) => void editors.postToActive(m));
  });

  // A read-only document (virtual, so it cannot be edited or saved by mistake).
  let reportText = '';
  const changed = new vscode.EventEmitter<vscode.Uri>();
  context.subscriptions.push(changed, vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, {
    onDidChange: changed.event,
    provideTextDocumentContent: () => reportText,
  }));
  reg('neuralLens.showEnvironment', async () => {
    applyOrtFolder();
    const { environmentReport, formatEnvironmentReport } = await import('../inference/environment');
    const conf = vscode.workspace.getConfiguration('neuralLens');
    const r = await environmentReport({
      vscodeVersion: vscode.version, trainingBackend: conf.get<string>('training.backend', 'cpu'), inferenceProvider: conf.get<string>('inference.provider', 'auto'),
    });
    const text = formatEnvironmentReport(r);
    reportText = `# Neural Lens environment\n\n\`\`\`text\n${text}\n\`\`\`\n\nCLI: \`node dist/cli.js doctor --json\` prints the same as JSON.\n`;
    log.info(`Environment report:\n${text}`);
    const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: '/Neural Lens Environment.md' });
    changed.fire(uri);
    const shown = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(shown, { preview: true });
  });
}
