/**
 * One opened .onnx file: the parsed model (or the reason it could not be parsed) and the
 * view model sent to webviews. Parsing happens once per document, in openCustomDocument;
 * every panel showing the document reuses it.
 */
import * as vscode from 'vscode';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { GraphViewModel, ModelError } from '../../shared/protocol';
import type { OnnxModel } from '../onnx/model';
import { log } from '../log';

export class OnnxDocument implements vscode.CustomDocument {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after the file changed on disk and was read again. */
  readonly onDidReload = this.changed.event;
  private watcher: vscode.FileSystemWatcher | undefined;

  private constructor(
    readonly uri: vscode.Uri,
    private loaded: Loaded,
  ) {}

  get model(): OnnxModel | undefined {
    return this.loaded.model;
  }
  get view(): GraphViewModel | null {
    return this.loaded.view;
  }
  get error(): ModelError | undefined {
    return this.loaded.error;
  }

  static async open(uri: vscode.Uri): Promise<OnnxDocument> {
    const doc = new OnnxDocument(uri, await load(uri));
    doc.watch();
    return doc;
  }

  /** Re-reads the model when its file changes on disk (e.g. re-exported from PyTorch). */
  private watch(): void {
    if (this.uri.scheme !== 'file') return;
    const folder = vscode.Uri.joinPath(this.uri, '..');
    const pattern = new vscode.RelativePattern(folder, path.basename(this.uri.path));
    this.watcher = vscode.workspace.createFileSystemWatcher(pattern, true, false, true);
    let timer: NodeJS.Timeout | undefined;
    this.watcher.onDidChange(() => {
      // Writers often touch a file several times in a row; read once they are done.
      clearTimeout(timer);
      timer = setTimeout(async () => {
        this.release();
        this.loaded = await load(this.uri);
        this.changed.fire();
      }, 300);
    });
  }

  private release(): void {
    // External-data file handles belong to the model; let it release them if it holds any.
    (this.loaded.model as { close?: () => void } | undefined)?.close?.();
  }

  dispose(): void {
    this.watcher?.dispose();
    this.changed.dispose();
    this.release();
  }
}

interface Loaded {
  model: OnnxModel | undefined;
  view: GraphViewModel | null;
  error: ModelError | undefined;
}

async function load(uri: vscode.Uri): Promise<Loaded> {
  const fileName = path.basename(uri.path);
  const started = Date.now();
  try {
    const bytes = await readBytes(uri);
    // The reader and view builder load on first use so activation stays light.
    const { readModel } = await import('../onnx/reader');
    const { buildGraphView } = await import('../graph/buildGraphView');
    const model = readModel(bytes, { path: uri.scheme === 'file' ? uri.fsPath : undefined });
    const view = buildGraphView(model, { fileName, fileSize: bytes.byteLength });
    log.info(`Opened ${fileName}: ${view.summary.nodeCount} nodes, ${view.summary.parameterCount} parameters in ${Date.now() - started} ms`);
    for (const w of view.warnings) log.warn(`${fileName}: ${w}`);
    return { model, view, error: undefined };
  } catch (e) {
    const error = toModelError(e, fileName);
    log.error(`Could not open ${fileName}: ${error.message}`);
    return { model: undefined, view: null, error };
  }
}

async function readBytes(uri: vscode.Uri): Promise<Uint8Array> {
  // Node's fs for local files (no copy through the VS Code file service); the workspace
  // file system for everything else (remote, virtual).
  if (uri.scheme === 'file') return fs.readFile(uri.fsPath); // a Buffer: tensors stay views into it
  return vscode.workspace.fs.readFile(uri);
}

/** Turns whatever went wrong into the message card the webview shows. */
export function toModelError(e: unknown, fileName: string): ModelError {
  const err = e as { kind?: ModelError['kind']; message?: string; hint?: string; code?: string };
  if (err && typeof err.kind === 'string' && typeof err.message === 'string') {
    return { kind: err.kind, message: err.message, hint: err.hint ?? '' };
  }
  if (err?.code === 'ENOENT') {
    return { kind: 'io', message: `${fileName} no longer exists.`, hint: 'Check the path, or reopen the file.' };
  }
  if (err?.code === 'EACCES' || err?.code === 'EPERM') {
    return { kind: 'io', message: `${fileName} cannot be read (permission denied).`, hint: 'Check the file permissions.' };
  }
  const detail = err?.message ?? String(e);
  return {
    kind: 'corrupt',
    message: `${fileName} could not be opened: ${detail}`,
    hint: 'If this is a valid ONNX model, please report it with the file attached.',
  };
}
