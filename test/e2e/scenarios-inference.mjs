// Run Model scenarios (issue 5), against the INSTALLED .vsix: run the CNN sample on a bundled digit
// through the quick picks, check top-k, saliency and three layers' feature maps; the environment
// report. Loaded by scenarios.mjs, which passes its page and helpers.
import fs from 'node:fs';
import path from 'node:path';
import { assert, log, notifications, openModel, palette, quickPick, shot, sleep, toPage } from './lib.mjs';

const CNN = 'mnist-cnn.onnx';

/** A float32 .npy of zeros with this shape (numpy format 1.0). */
function npyBytes(shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.alloc(n * 4)]);
}

/** Number of distinct colours sampled from a canvas (−1 when it cannot be read). */
const distinctColours = (loc) => loc.evaluate((c) => {
  const ctx = c.getContext('2d'); if (!ctx || !c.width || !c.height) return -1;
  const d = ctx.getImageData(0, 0, c.width, c.height).data; const seen = new Set();
  for (let i = 0; i < d.length && seen.size < 64; i += 4 * 7) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
  return seen.size;
});

export function tests({ page, WS }) {
  return [
    {
      name: 'r1 Run Model on the CNN with a bundled digit: top-k, saliency, three layers feature maps',
      timeout: 90000,
      fn: async () => {
        const wv = await openModel(page, CNN);
        // the toolbar button in the viewer (a real click) starts the quick picks in the workbench
        await wv.frame.locator('#nl-run').click();
        await quickPick(page, 'Bundled digit image');
        await quickPick(page, 'digit-3.png');
        await quickPick(page, 'Use:'); // preprocessing: keep pixels/255
        const panel = wv.frame.locator('#nl-run-panel');
        await wv.frame.waitForFunction(() => ['done', 'error'].includes(document.querySelector('#nl-run-panel')?.dataset.state), null, { timeout: 30000 })
          .catch(async () => { throw new Error(`run never finished: "${(await panel.innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 300)}"`); });
        const text = (await panel.innerText()).replace(/\s+/g, ' ');
        assert(await panel.getAttribute('data-state') === 'done', `run failed: ${text.slice(0, 300)}`);
        log(`run panel: ${text.slice(0, 300)}`);
        assert(/digit-3\.png/.test(text), 'the panel names the input image');
        assert(/\bms\b/.test(text), 'latency shown');
        const provider = await wv.frame.locator('#nl-run-provider').innerText();
        assert(/^(CPU|CUDA) — /.test(provider), `provider line "CPU — reason" / "CUDA — …": "${provider}"`);
        const rows = await wv.frame.locator('.nl-topk-row').evaluateAll((els) => els.map((e) => ({ label: e.dataset.label, prob: Number(e.dataset.prob), text: e.textContent })));
        assert(rows.length === 10, `all 10 classes listed (got ${rows.length})`);
        const sum = rows.reduce((a, r) => a + r.prob, 0);
        assert(Math.abs(sum - 1) < 1e-3, `class probabilities sum to 1 (${sum})`);
        assert(rows.every((r, i) => i === 0 || r.prob <= rows[i - 1].prob), 'sorted by probability');
        assert(rows[0].text.includes(rows[0].label) && /%/.test(rows[0].text), `top class shown with its probability: "${rows[0].text}"`);
        // saliency over the input image (computed right after the run)
        const sal = wv.frame.locator('#nl-saliency-canvas');
        await sal.waitFor({ state: 'visible', timeout: 20000 }).catch(async () => { throw new Error(`no saliency: "${await wv.frame.locator('#nl-saliency').innerText().catch(() => '')}"`); });
        assert(await distinctColours(sal) > 3, 'saliency overlay is painted');
        await sleep(200);
        await shot(page, 'r1-run-topk-saliency');
        // another class: its saliency replaces the first
        const second = rows[1];
        await wv.frame.locator('.nl-topk-row').nth(1).click();
        await wv.frame.waitForFunction((c) => document.querySelector('#nl-saliency')?.dataset.classIndex === c && document.querySelector('#nl-saliency-canvas'), String(await wv.frame.locator('.nl-topk-row').nth(1).getAttribute('data-class')), { timeout: 15000 })
          .catch(() => { throw new Error(`clicking class ${second.label} did not switch the saliency map`); });
        // the graph boxes show each node's output shape, then its time from the ORT profiler
        await wv.frame.waitForFunction(() => /→ 1×8×28×28 · \d+(\.\d+)? (ms|µs)/.test(window.__nl.cy().getElementById('n0').data('label') || ''), null, { timeout: 15000 })
          .catch(async () => { throw new Error(`n0 label without shape/time overlay: ${JSON.stringify(await wv.frame.evaluate(() => window.__nl.cy().getElementById('n0').data('label')))}`); });
        // three layers: real clicks on the graph, each shows what it produced
        const ids = (await wv.frame.evaluate(() => window.__nl.nodeIds())).filter((i) => !/^(in|out):/.test(i));
        const picks = [ids[0], ids[1], ids[2]];
        for (const id of picks) {
          const pos = await wv.frame.evaluate((i) => window.__nl.nodeScreenPosition(i), id);
          const abs = await toPage(wv.iframe, pos);
          await page.mouse.click(abs.x, abs.y);
          await wv.frame.waitForFunction((i) => {
            const a = document.querySelector('#nl-activation');
            return a && a.getAttribute('data-node') === i && a.querySelector('#nl-activation-canvas');
          }, id, { timeout: 15000 }).catch(async () => { throw new Error(`no activation for ${id}: "${(await wv.frame.locator('#nl-details').innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 300)}"`); });
          const act = wv.frame.locator('#nl-activation');
          const layout = await act.getAttribute('data-layout');
          const c = wv.frame.locator('#nl-activation-canvas');
          const box = await c.boundingBox();
          const colours = await distinctColours(c);
          const actText = (await act.innerText()).replace(/\s+/g, ' ');
          log(`${id}: ${layout} ${JSON.stringify(box)} colours ${colours}: ${actText.slice(0, 160)}`);
          assert(layout === 'maps', `${id} (a 4-D activation) is drawn as feature maps, got ${layout}`);
          assert(box && box.width > 50 && box.height > 20, `${id} feature-map canvas has a size ${JSON.stringify(box)}`);
          assert(colours > 3, `${id} feature-map canvas is painted (${colours} colours)`);
          assert(/min .*max .*mean .*std .*zeros .*NaN/.test(actText), `${id} shows stats: ${actText}`);
          await shot(page, `r1-activation-${id}`);
        }
        // the per-map colour scale toggle redraws
        await wv.frame.locator('#nl-act-shared').click();
        await sleep(200);
        await shot(page, 'r1-activation-per-map-scale');
        // a fully connected layer's [1, 64] output is drawn as bars
        await wv.frame.evaluate(() => window.__nl.select('n7'));
        await wv.frame.waitForFunction(() => document.querySelector('#nl-activation')?.getAttribute('data-node') === 'n7' && document.querySelector('#nl-activation-canvas'), null, { timeout: 10000 });
        assert(await wv.frame.locator('#nl-activation').getAttribute('data-layout') === 'bars', 'fc1 output drawn as bars');
        await shot(page, 'r1-activation-bars');
        // the graph input shows what was fed (the digit)
        await wv.frame.evaluate(() => window.__nl.select('in:input'));
        await wv.frame.waitForFunction(() => document.querySelector('#nl-activation')?.getAttribute('data-node') === 'in:input' && document.querySelector('#nl-activation-canvas'), null, { timeout: 10000 });
        assert(await distinctColours(wv.frame.locator('#nl-activation-canvas')) > 1, 'the input picture is painted');
        // Compare: the same input through the engine, layer by layer
        await wv.frame.locator('#nl-compare-run').click();
        await wv.frame.locator('#nl-compare-table').waitFor({ timeout: 20000 }).catch(async () => { throw new Error(`no compare table: "${await wv.frame.locator('#nl-compare').innerText().catch(() => '')}"`); });
        const cmpRows = await wv.frame.locator('#nl-compare-table tbody tr').count();
        const cmpText = (await wv.frame.locator('#nl-compare').innerText()).replace(/\s+/g, ' ');
        log(`compare: ${cmpText.slice(0, 200)}`);
        assert(cmpRows === 10, `one compare row per CNN node output (${cmpRows})`);
        assert(/agree within/.test(cmpText), `ORT and the engine agree on the sample: ${cmpText.slice(0, 200)}`);
        await wv.frame.locator('#nl-compare').scrollIntoViewIfNeeded();
        await sleep(200);
        await shot(page, 'r1-compare');
      },
    },
    {
      name: 'r3 a tensor file of the wrong shape: clear message in the panel and a notification; the viewer still works',
      timeout: 60000,
      fn: async () => {
        const file = path.join(WS, 'wrong-shape.npy');
        fs.writeFileSync(file, npyBytes([1, 3, 28, 28]));
        const wv = await openModel(page, CNN);
        await palette(page, 'Neural Lens: Run Model');
        await quickPick(page, 'Tensor file');
        // code-server's simple open dialog is a quick input holding a path
        await page.waitForFunction(() => (document.querySelector('.quick-input-widget input')?.value || '').startsWith('/'), null, { timeout: 15000 });
        // the dialog fills in its folder and lists it a moment later: type the path once it has
        await page.locator('.quick-input-list .monaco-list-row', { hasText: 'wrong-shape.npy' }).first().waitFor({ timeout: 10000 });
        const dialogInput = page.locator('.quick-input-widget input');
        for (let i = 0; i < 5 && (await dialogInput.inputValue()) !== file; i++) { await dialogInput.fill(file); await sleep(300); }
        await page.keyboard.press('Enter');
        await wv.frame.waitForFunction(() => document.querySelector('#nl-run-panel')?.dataset.state === 'error', null, { timeout: 20000 })
          .catch(async () => { throw new Error(`no error shown: "${(await wv.frame.locator('#nl-run-panel').innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 300)}"`); });
        const msg = (await wv.frame.locator('#nl-run-panel .nl-run-error').innerText()).replace(/\s+/g, ' ');
        log(`error panel: ${msg}`);
        assert(/wrong-shape\.npy has shape \[1, 3, 28, 28\].*input "input" wants \[batch, 1, 28, 28\]/.test(msg), `the message names the file, its shape and the expected shape: ${msg}`);
        await shot(page, 'r3-bad-input');
        const notes = await notifications(page);
        assert(notes.some((n) => /wrong-shape\.npy has shape/.test(n)), `an error notification too: ${JSON.stringify(notes)}`);
        // nothing crashed: the viewer still answers a click
        await wv.frame.evaluate(() => window.__nl.select('n0'));
        await wv.frame.waitForFunction(() => document.querySelector('#nl-details')?.getAttribute('data-node-id') === 'n0', null, { timeout: 5000 });
        await page.locator('.tabs-container .tab.active').first().click(); // keyboard focus back to the workbench
      },
    },
    {
      name: 'r2 "Neural Lens: Show Environment Report" opens a read-only report',
      fn: async () => {
        await palette(page, 'Neural Lens: Show Environment Report');
        await page.waitForFunction(() => /Neural Lens Environment/.test(document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label') || ''), null, { timeout: 20000 });
        await page.locator('.editor-group-container.active .view-lines').first().waitFor({ timeout: 10000 });
        await sleep(300);
        const text = (await page.locator('.editor-group-container.active .view-lines').first().innerText()).replace(/\s+/g, ' '); // Monaco renders spaces as U+00A0
        log(`environment report: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
        assert(/ONNX Runtime/.test(text) && /Inference/.test(text) && /(CPU|CUDA)/.test(text), `report lists ORT and the provider: ${text.slice(0, 300)}`);
        assert(/VS Code/.test(text), 'report names the VS Code version');
        assert(/Training backend "cpu" \(setting neuralLens\.training\.backend; each model's Train form can change it\) -> CPU/.test(text), `report names the training backend setting and what it gets: ${text}`);
        await shot(page, 'r2-environment-report');
      },
    },
  ];
}
