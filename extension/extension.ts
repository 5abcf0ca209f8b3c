/**
 * Entry point: registers the ONNX custom editor and the palette commands, nothing more.
 * Heavy modules (the ONNX reader, later the engine and ONNX Runtime) load on first use.
 */
import * as vscode from 'vscode';
import { OnnxEditorProvider } from './editor/onnxEditorProvider';
import { openStartupModels, registerCommands } from './commands/registerCommands';
import { log } from './log';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(log.channel);
  const editors = OnnxEditorProvider.register(context);
  registerCommands(context, editors);
  void openStartupModels();
}

export function deactivate(): void {
  // Nothing to release: documents and panels are disposed by VS Code.
}
