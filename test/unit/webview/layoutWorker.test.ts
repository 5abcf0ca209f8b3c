// The layout worker is built from layeredLayout.toString(); the production build minifies with
// keepNames, which can make a function's source depend on bundle-level helpers. Build it the
// way esbuild.config.mjs does and run the worker source in a scope of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';

test('worker source runs on its own after a minify + keepNames build', async () => {
  const out = await esbuild.build({
    entryPoints: ['webview/graph/layoutWorker.ts'], bundle: true, write: false, minify: true, keepNames: true,
    format: 'iife', globalName: 'nlWorker', platform: 'browser', target: 'chrome120',
  });
  const mod = new Function(out.outputFiles[0].text + '; return nlWorker;')() as { workerSource(): string };
  const src = mod.workerSource();
  let reply: { id: number; result?: { x: Float64Array; y: Float64Array }; error?: string } | undefined;
  const self: { onmessage?: (ev: { data: unknown }) => void; postMessage(m: unknown): void } = { postMessage: (m) => { reply = m as typeof reply; } };
  new Function('self', src)(self);
  self.onmessage!({
    data: {
      id: 7,
      input: {
        n: 3, widths: new Float64Array([80, 80, 80]), heights: new Float64Array([30, 30, 30]),
        edgeSrc: new Int32Array([0, 1, 0]), edgeDst: new Int32Array([1, 2, 2]),
      },
    },
  });
  assert.equal(reply?.error, undefined);
  assert.equal(reply?.id, 7);
  assert.ok(reply!.result!.y[2] > reply!.result!.y[1] && reply!.result!.y[1] > reply!.result!.y[0]);
});
