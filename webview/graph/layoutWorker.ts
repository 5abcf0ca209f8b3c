/**
 * Source text of the layout Web Worker, built from layeredLayout itself so the worker
 * needs no separate bundle (the webview CSP allows blob: workers). layeredLayout keeps all
 * its helpers inside, so its source runs on its own; test/unit/webview/layoutWorker.test.ts
 * checks that after the production minify + keepNames build.
 */
import { layeredLayout } from './layout';

export function workerSource(): string {
  return [
    'var layeredLayout = ' + layeredLayout.toString() + ';',
    'self.onmessage = function (ev) {',
    '  var id = ev.data.id;',
    '  try {',
    '    var r = layeredLayout(ev.data.input);',
    '    self.postMessage({ id: id, result: r }, [r.x.buffer, r.y.buffer, r.rank.buffer, r.routeStart.buffer, r.routeXY.buffer]);',
    '  } catch (err) { self.postMessage({ id: id, error: String(err && err.stack || err) }); }',
    '};',
  ].join('\n');
}
