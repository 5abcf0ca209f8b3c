/** Run Model and the environment report: thin command wrappers over extension/inference. */
import * as vscode from 'vscode';
import type { OnnxEditorProvider } from '../editor/onnxEditorProvider';
import { log } from '../log';

const REPORT_SCHEME = 'neural-lens-report';

export function registerRunCommands(context: vscode.ExtensionContext, editors: OnnxEditorProvider): void {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg('neuralLens.runModel', async () => {
    const doc = editors.activeDocument();
    if (!doc) return void vscode.window.showInformationMessage('Open an ONNX model in the Neural Lens viewer first, then run it.');
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
    const { environmentReport, formatEnvironmentReport } = await import('../inference/environment');
    const r = await environmentReport({ vscodeVersion: vscode.version });
    const text = formatEnvironmentReport(r);
    reportText = `# Neural Lens environment\n\n\`\`\`text\n${text}\n\`\`\`\n\nCLI: \`node dist/cli.js doctor --json\` prints the same as JSON.\n`;
    log.info(`Environment report:\n${text}`);
    const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: '/Neural Lens Environment.md' });
    changed.fire(uri);
    const shown = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(shown, { preview: true });
  });
}
