/** Webview entry: builds the viewer, wires host messages, announces readiness. */
import './styles.css';
import { App, type NlTestHook } from './app';
import { onMessage, post } from './vscode';

declare global {
  interface Window { __nl?: NlTestHook }
}

const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
const app = new App(root);
window.__nl = app.testHook();
onMessage((m) => app.handle(m));
window.addEventListener('error', (e) => post({ type: 'log', level: 'error', message: `webview: ${e.message} (${e.filename}:${e.lineno})` }));
post({ type: 'ready' });
