/** The "Neural Lens" output channel, created on first use so activation stays cheap. */
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

function get(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Neural Lens', { log: true });
  return channel;
}

export const log = {
  get channel(): vscode.Disposable {
    return { dispose: () => channel?.dispose() };
  },
  info: (message: string) => get().info(message),
  warn: (message: string) => get().warn(message),
  error: (message: string) => get().error(message),
  show: () => get().show(true),
};
