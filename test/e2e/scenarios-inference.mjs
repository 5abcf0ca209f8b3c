// Run Model scenarios (issue 5), against the INSTALLED .vsix: run the CNN sample on a bundled digit
// through the quick picks, check top-k, saliency and three layers' feature maps; the environment
// report. Loaded by scenarios.mjs, which passes its page and helpers.
import { assert, log, openModel, palette, shot, sleep, toPage } from './lib.mjs';

const CNN = 'mnist-cnn.onnx';

/** Picks the quick-pick row containing `text` (types it to filter, then Enter). */
async function quickPick(page, text) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 15000 });
  await input.fill(text);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().waitFor({ timeout: 10000 });
  await sleep(150);
  await page.keyboard.press('Enter');
}

/** Number of distinct colours sampled from a canvas (−1 when it cannot be read). */
const distinctColours = (loc) => loc.evaluate((c) => {
  const ctx = c.getContext('2d'); if (!ctx || !c.width || !c.height) return -1;
  const d = ctx.getImageData(0, 0, c.width, c.height).data; const seen = new Set();
  for (let i = 0; i < d.length && seen.size < 64; i += 4 * 7) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
  return seen.size;
});

export function tests({ page }) {
  return [
    {
      name: 'r1 Run Model on the CNN with a bundled digit: top-k, saliency, three layers\' feature maps',
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
      },
    },
    {
      name: 'r2 "Neural Lens: Show Environment Report" opens a read-only report',
      fn: async () => {
        await palette(page, 'Neural Lens: Show Environment Report');
        await page.waitForFunction(() => /Neural Lens Environment/.test(document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label') || ''), null, { timeout: 20000 });
        await page.locator('.editor-group-container.active .view-lines').first().waitFor({ timeout: 10000 });
        await sleep(300);
        const text = await page.locator('.editor-group-container.active .view-lines').first().innerText();
        log(`environment report: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
        assert(/ONNX Runtime/.test(text) && /Inference\s+(CPU|CUDA)/.test(text), `report lists ORT and the provider: ${text.slice(0, 300)}`);
        assert(/VS Code/.test(text), 'report names the VS Code version');
        await shot(page, 'r2-environment-report');
      },
    },
  ];
}
