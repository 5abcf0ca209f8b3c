/** The one handle on the VS Code webview API, typed by the shared protocol. */
import type { FromWebview, ToWebview } from '../shared/protocol';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi =
  typeof acquireVsCodeApi === 'function'
    ? acquireVsCodeApi()
    : { postMessage: (m) => console.log('[neural-lens → host]', m), getState: () => undefined, setState: () => undefined };

export function post(msg: FromWebview): void {
  api.postMessage(msg);
}

export function onMessage(handler: (msg: ToWebview) => void): void {
  window.addEventListener('message', (ev: MessageEvent) => {
    const m = ev.data as ToWebview;
    if (m && typeof m === 'object' && typeof m.type === 'string') handler(m);
  });
}

let nextRequest = 1;
export function requestId(): number {
  return nextRequest++;
}
