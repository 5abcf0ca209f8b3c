/**
 * The custom editor for *.onnx: a read-only viewer (training writes new files through an
 * explicit "Save As", never into the opened model). Tracks the active panel so palette
 * commands can reach it.
 */
import * as vscode from 'vscode';
import path from 'node:path';
import type { ToWebview } from '../../shared/protocol';
import { OnnxDocument } from './onnxDocument';
import { ViewerSession } from './viewerSession';
import { webviewHtml } from './webviewHtml';

export class OnnxEditorProvider implements vscode.CustomReadonlyEditorProvider<OnnxDocument> {
  static readonly viewType = 'neuralLens.onnxEditor';

  private readonly sessions = new Set<{ session: ViewerSession; panel: vscode.WebviewPanel; document: OnnxDocument }>();
  private active: ViewerSession | undefined;

  static register(context: vscode.ExtensionContext): OnnxEditorProvider {
    const provider = new OnnxEditorProvider(context);
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(OnnxEditorProvider.viewType, provider, {
        webviewOptions: { retainContextWhenHidden: true },
        supportsMultipleEditorsPerDocument: true,
      }),
    );
    return provider;
  }

  private constructor(private readonly context: vscode.ExtensionContext) {}

  async openCustomDocument(uri: vscode.Uri): Promise<OnnxDocument> {
    return OnnxDocument.open(uri);
  }

  async resolveCustomEditor(document: OnnxDocument, panel: vscode.WebviewPanel): Promise<void> {
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist'), vscode.Uri.joinPath(this.context.extensionUri, 'media')],
    };
    panel.webview.html = webviewHtml(panel.webview, this.context.extensionUri, path.basename(document.uri.path));
    const session = new ViewerSession(document, panel);
    const entry = { session, panel, document };
    this.sessions.add(entry);
    if (panel.active) this.active = session;
    panel.onDidChangeViewState(() => {
      if (panel.active) this.active = session;
    });
    panel.onDidDispose(() => {
      this.sessions.delete(entry);
      if (this.active === session) this.active = undefined;
      session.dispose();
    });
  }

  /** Sends a message to the viewer the user is looking at; false when none is active. */
  postToActive(message: ToWebview): boolean {
    if (!this.active) return false;
    this.active.post(message);
    return true;
  }

  /** Sends a message to every viewer of one model file (training overlays). */
  postToDocument(fsPath: string, message: ToWebview): void {
    for (const e of this.sessions) if (e.document.uri.fsPath === fsPath) e.session.post(message);
  }

  /** The document of the active viewer, if any. */
  activeDocument(): OnnxDocument | undefined {
    for (const e of this.sessions) if (e.session === this.active) return e.document;
    return undefined;
  }
}
