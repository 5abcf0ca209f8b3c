// Playwright scenarios against the INSTALLED .vsix in code-server. Each scenario is a named test
// with its own pass/fail; expected numbers come from the independent reader (node dist/cli.js inspect --json).
// Env: CS_URL, WS (workspace with copies of media/samples/*.onnx + broken/empty/notmodel/random.onnx),
//      RESULTS (JSON output), E2E_OUT (screenshots), E2E_ONLY (comma-separated name filter).
import fs from 'node:fs';
import path from 'node:path';
import {
  activeTabLabel, assert, assertEq, cliInspect, closeAllEditors, launch, log, notifications,
  openModel, openWorkbench, palette, runTests, shot, skip, sleep, toPage, visibleWebview, waitNlState,
} from './lib.mjs';

const WS = process.env.WS;
const RESULTS = process.env.RESULTS || path.join(process.env.E2E_OUT || 'test-results/e2e', 'scenarios.json');
if (!WS || !fs.existsSync(WS)) { console.error('WS (workspace folder) is required'); process.exit(2); }

const MLP = 'mnist-mlp.onnx', CNN = 'mnist-cnn.onnx';
const expected = {};
for (const m of [MLP, CNN]) {
  try { expected[m] = cliInspect(path.join(WS, m)); } catch (e) { expected[m] = { error: e.message }; }
}
const exp = (m) => { if (expected[m].error) throw new Error(`CLI could not inspect ${m}: ${expected[m].error}`); return expected[m]; };
log('CLI expectations:', JSON.stringify(Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v.error ?? { nodeCount: v.nodeCount, parameterCount: v.parameterCount, opCounts: v.opCounts }]))));

const { browser, page } = await launch();
const consoleErrors = [];
page.on('console', (m) => {
  const t = m.text();
  if (m.type() === 'error' && !/Failed to load resource|open-vsx|marketplace|favicon|service-worker|ServiceWorker|authentication provider 'github'/i.test(t)) consoleErrors.push(t.slice(0, 300));
});
page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));

await openWorkbench(page, WS);
log('workbench ready');

async function summaryOf(frame) {
  return frame.evaluate(() => {
    const s = document.querySelector('#nl-summary');
    return s && { nodeCount: s.getAttribute('data-node-count'), paramCount: s.getAttribute('data-param-count'), text: s.textContent };
  });
}

async function checkModelView(wv, model) {
  const e = exp(model);
  const s = await summaryOf(wv.frame);
  assert(s, '#nl-summary exists');
  assertEq(Number(s.nodeCount), e.nodeCount, `#nl-summary[data-node-count] for ${model} vs CLI nodeCount`);
  if (s.paramCount != null && typeof e.parameterCount === 'number') {
    assertEq(Number(s.paramCount), e.parameterCount, `#nl-summary[data-param-count] for ${model} vs CLI parameterCount`);
  }
  const ids = await wv.frame.evaluate(() => window.__nl && window.__nl.nodeIds());
  assert(Array.isArray(ids) && ids.length >= e.nodeCount, `__nl.nodeIds() lists at least ${e.nodeCount} nodes (got ${JSON.stringify(ids)?.slice(0, 200)})`);
  const graphBox = await wv.frame.locator('#nl-graph').boundingBox();
  assert(graphBox && graphBox.width > 100 && graphBox.height > 100, `#nl-graph has a real size (${JSON.stringify(graphBox)})`);
  const state = await wv.frame.evaluate(() => window.__nl.state());
  assert(state === 'ready' || state?.ready === true || state?.state === 'ready', `__nl.state() reports ready: ${JSON.stringify(state)?.slice(0, 200)}`);
}

/** Really clicks node `id` with the mouse (position from __nl.nodeScreenPosition, frame offsets from the page). */
async function clickNode(wv, id) {
  const pos = await wv.frame.evaluate((i) => window.__nl.nodeScreenPosition(i), id);
  assert(pos && Number.isFinite(pos.x) && Number.isFinite(pos.y), `nodeScreenPosition(${id}) = ${JSON.stringify(pos)}`);
  const abs = await toPage(wv.iframe, pos);
  await page.mouse.click(abs.x, abs.y);
  return abs;
}

const detailsId = (wv) => wv.frame.evaluate(() => document.querySelector('#nl-details')?.getAttribute('data-node-id') ?? null);

/** Clicks the top-level nodes in order until one whose details show `opType`; returns its id. */
async function selectNodeOfType(wv, opType) {
  const ids = (await wv.frame.evaluate(() => window.__nl.nodeIds())).filter((i) => !/^(in|out):/.test(i) && !i.includes('/'));
  for (const id of ids.slice(0, 8)) {
    await clickNode(wv, id);
    await wv.frame.waitForFunction((i) => document.querySelector('#nl-details')?.getAttribute('data-node-id') === i, id, { timeout: 5000 })
      .catch(async () => { throw new Error(`real click on node ${id} did not select it: #nl-details[data-node-id]=${JSON.stringify(await detailsId(wv))}`); });
    const text = await wv.frame.locator('#nl-details').innerText();
    if (text.includes(opType)) return id;
  }
  throw new Error(`no ${opType} node among the first top-level nodes ${ids.slice(0, 8)}`);
}

let mlpView = null; // the MLP webview opened by the first test, reused by b–d when still open

const tests = [
  {
    name: 'a1 open mnist-mlp.onnx via Quick Open: ready, node count = CLI',
    fn: async () => {
      const wv = await openModel(page, MLP);
      await checkModelView(wv, MLP);
      assert((await activeTabLabel(page)).includes(MLP), 'active tab is the model');
      await sleep(300);
      await shot(page, 'a1-mlp-quick-open');
      mlpView = wv;
    },
  },
  {
    name: 'b click a Gemm node (real mouse): details + weight stats',
    fn: async () => {
      const wv = mlpView ?? await openModel(page, MLP);
      const id = await selectNodeOfType(wv, 'Gemm');
      const det = wv.frame.locator('#nl-details');
      assert(await det.isVisible(), '#nl-details visible');
      assert((await det.innerText()).includes('Gemm'), '#nl-details shows "Gemm"');
      const weights = det.locator('.nl-weight[data-tensor]');
      await weights.first().waitFor({ timeout: 10000 });
      const n = await weights.count();
      assert(n >= 1, `Gemm ${id} has weight rows (${n})`);
      const stats = weights.first().locator('.nl-weight-stats');
      await wv.frame.waitForFunction(() => {
        const s = document.querySelector('#nl-details .nl-weight .nl-weight-stats');
        return s && /\d/.test(s.textContent || '');
      }, null, { timeout: 15000 });
      const statsText = (await stats.innerText()).replace(/\s+/g, ' ');
      log(`node ${id}: ${n} weight row(s); first stats: ${statsText.slice(0, 160)}`);
      assert(/min|max|mean|std|μ|σ/i.test(statsText), `weight stats text has statistics: "${statsText}"`);
      await shot(page, 'b-node-details');
    },
  },
  {
    name: 'c open heatmap of the weight: canvas, legend, hover tooltip',
    fn: async () => {
      const wv = mlpView ?? await openModel(page, MLP);
      if (!(await detailsId(wv))) await selectNodeOfType(wv, 'Gemm');
      const row = wv.frame.locator('#nl-details .nl-weight[data-tensor]').first();
      const tensor = await row.getAttribute('data-tensor');
      // real click on the button
      await row.locator('.nl-open-heatmap').click();
      const hm = wv.frame.locator('#nl-heatmap');
      await hm.waitFor({ state: 'visible', timeout: 15000 });
      await wv.frame.waitForFunction((t) => document.querySelector('#nl-heatmap')?.getAttribute('data-tensor') === t, tensor, { timeout: 15000 })
        .catch(async () => { throw new Error(`#nl-heatmap[data-tensor] = ${JSON.stringify(await hm.getAttribute('data-tensor'))}, expected ${tensor}`); });
      const canvas = hm.locator('canvas').first();
      await canvas.waitFor({ state: 'visible', timeout: 10000 });
      // drawn once the host's data arrived: the legend gets its content in the same pass
      const legend = wv.frame.locator('#nl-heatmap-legend');
      await wv.frame.waitForFunction(() => (document.querySelector('#nl-heatmap-legend')?.childElementCount ?? 0) > 0, null, { timeout: 15000 })
        .catch(async () => { throw new Error(`heatmap never drew: #nl-heatmap text "${(await hm.innerText()).replace(/\s+/g, ' ').slice(0, 200)}"`); });
      const dims = await canvas.evaluate((c) => ({ w: c.width, h: c.height, cw: c.clientWidth, ch: c.clientHeight }));
      assert(dims.w > 0 && dims.h > 0 && dims.cw > 0 && dims.ch > 0, `heatmap canvas has a non-zero size ${JSON.stringify(dims)}`);
      // the canvas is not blank: some pixels differ
      const distinct = await canvas.evaluate((c) => {
        const ctx = c.getContext('2d'); if (!ctx) return -1;
        const d = ctx.getImageData(0, 0, c.width, c.height).data; const seen = new Set();
        for (let i = 0; i < d.length && seen.size < 50; i += 4 * 97) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
        return seen.size;
      });
      assert(distinct === -1 || distinct > 3, `heatmap canvas is painted (distinct sampled colours: ${distinct})`);
      assert(await legend.count() && await legend.isVisible(), '#nl-heatmap-legend visible');
      assert(await wv.frame.locator('#nl-heatmap-histogram').count(), '#nl-heatmap-histogram present');
      // hover (real mouse move) over the canvas → tooltip with a number
      const cb = await canvas.boundingBox();
      const tip = wv.frame.locator('#nl-heatmap-tooltip');
      let tipText = '';
      for (const [fx, fy] of [[0.5, 0.5], [0.3, 0.4], [0.7, 0.6]]) {
        await page.mouse.move(cb.x + cb.width * fx - 3, cb.y + cb.height * fy - 3);
        await page.mouse.move(cb.x + cb.width * fx, cb.y + cb.height * fy, { steps: 3 });
        await sleep(300);
        if (await tip.isVisible().catch(() => false)) { tipText = (await tip.innerText()).replace(/\s+/g, ' '); if (/-?\d+(\.\d+)?(e[-+]?\d+)?/i.test(tipText)) break; }
      }
      log(`heatmap ${tensor} canvas ${JSON.stringify(dims)}, tooltip: "${tipText}"`);
      assert(tipText, '#nl-heatmap-tooltip visible while hovering the canvas');
      assert(/-?\d+\.\d+|-?\d+e[-+]?\d+|\b0\b/i.test(tipText), `tooltip shows a value: "${tipText}"`);
      await shot(page, 'c-heatmap');
    },
  },
  {
    name: 'd search "Relu" + Enter: status "1 of N" with N = CLI opCounts.Relu',
    fn: async () => {
      const wv = mlpView ?? await openModel(page, MLP);
      const want = exp(MLP).opCounts?.Relu;
      assert(typeof want === 'number' && want > 0, `CLI opCounts.Relu = ${want}`);
      const input = wv.frame.locator('#nl-search');
      await input.click();
      await input.fill('');
      await input.type('Relu', { delay: 30 });
      await input.press('Enter');
      const status = wv.frame.locator('#nl-search-status');
      await wv.frame.waitForFunction(() => /\d+\s+of\s+\d+/.test(document.querySelector('#nl-search-status')?.textContent || ''), null, { timeout: 10000 })
        .catch(async () => { throw new Error(`#nl-search-status = "${await status.innerText().catch(() => '?')}"`); });
      const text = (await status.innerText()).trim();
      assertEq(text.match(/\d+\s+of\s+\d+/)[0].replace(/\s+/g, ' '), `1 of ${want}`, '#nl-search-status');
      // the jump selected/highlighted a Relu node
      const sel = await detailsId(wv);
      if (sel) assert((await wv.frame.locator('#nl-details').innerText()).includes('Relu'), `search selected ${sel}, details show Relu`);
      // Enter again → next match
      await input.press('Enter');
      await wv.frame.waitForFunction(() => /^\s*2\s+of/.test(document.querySelector('#nl-search-status')?.textContent || ''), null, { timeout: 5000 })
        .catch(async () => { throw new Error(`after a 2nd Enter #nl-search-status = "${await status.innerText()}", expected "2 of ${want}"`); });
      await shot(page, 'd-search-relu');
    },
  },
  {
    name: 'h zoom buttons (real clicks) change the zoom; Fit brings every node into view',
    fn: async () => {
      const wv = mlpView ?? await openModel(page, MLP);
      const ids = await wv.frame.evaluate(() => window.__nl.nodeIds());
      const [a, b] = [ids[0], ids[ids.length - 1]];
      const spread = async () => {
        const [p, q] = await wv.frame.evaluate(([x, y]) => [window.__nl.nodeScreenPosition(x), window.__nl.nodeScreenPosition(y)], [a, b]);
        return Math.hypot(p.x - q.x, p.y - q.y);
      };
      const settle = () => sleep(450); // zoom animations
      const d0 = await spread();
      await wv.frame.locator('#nl-zoom-in').click(); await settle();
      const d1 = await spread();
      assert(d1 > d0 * 1.05, `#nl-zoom-in enlarges the graph (distance ${a}–${b}: ${d0.toFixed(1)} → ${d1.toFixed(1)})`);
      await wv.frame.locator('#nl-zoom-out').click(); await settle();
      await wv.frame.locator('#nl-zoom-out').click(); await settle();
      const d2 = await spread();
      assert(d2 < d1 * 0.95, `#nl-zoom-out shrinks the graph (${d1.toFixed(1)} → ${d2.toFixed(1)})`);
      for (let i = 0; i < 3; i++) { await wv.frame.locator('#nl-zoom-in').click(); await sleep(150); }
      await settle();
      await wv.frame.locator('#nl-fit').click(); await settle();
      const g = await wv.frame.locator('#nl-graph').evaluate((el) => { const r = el.getBoundingClientRect(); return { l: r.left, t: r.top, r: r.right, b: r.bottom }; });
      const outside = [];
      for (const id of ids) {
        const p = await wv.frame.evaluate((i) => window.__nl.nodeScreenPosition(i), id);
        if (!(p.x >= g.l && p.x <= g.r && p.y >= g.t && p.y <= g.b)) outside.push(`${id}@${Math.round(p.x)},${Math.round(p.y)}`);
      }
      assert(!outside.length, `after #nl-fit every node centre is inside #nl-graph ${JSON.stringify(g)}; outside: ${outside.join(' ')}`);
      await shot(page, 'h-zoom-fit');
    },
  },
  {
    name: 'a2 "Neural Lens: Open Sample Model" from the command palette',
    fn: async () => {
      await palette(page, 'Neural Lens: Open Sample Model');
      await page.waitForFunction(() => /mnist-mlp\.onnx/.test(document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label') || ''), null, { timeout: 20000 });
      const wv = await visibleWebview(page);
      assertEq(await waitNlState(wv.frame), 'ready', 'body[data-nl-state]');
      await checkModelView(wv, MLP);
      // it is the extension's bundled copy (outside the workspace, so the breadcrumbs show its full path)
      const crumbs = (await page.locator('.editor-group-container.active .breadcrumbs-control').first().innerText().catch(() => '')).replace(/\s+/g, '/');
      log(`sample breadcrumbs: ${crumbs}`);
      assert(/neural-lens\.neural-lens[^/]*\/media\/samples\/mnist-mlp\.onnx/.test(crumbs), `the sample opened from the installed extension: breadcrumbs "${crumbs}"`);
      await sleep(300);
      await shot(page, 'a2-open-sample-command');
    },
  },
  {
    name: 'e corrupt files show #nl-error; the host survives',
    timeout: 120000,
    fn: async () => {
      const cases = [
        // [file, message must match, allowed #nl-error[data-kind] (protocol ModelErrorKind)]
        ['broken.onnx', /truncat|incomplete|unexpected end|corrupt|invalid|cut short|end of (file|data)/i, ['truncated', 'corrupt']],
        ['empty.onnx', /empty|0 bytes|zero|no data/i, ['empty']],
        ['notmodel.onnx', /not an onnx|not a valid|text|invalid|corrupt|unrecogni/i, ['notOnnx', 'corrupt']],
        ['random.onnx', /not an onnx|invalid|corrupt|truncat|unrecogni|could not/i, ['notOnnx', 'corrupt', 'truncated']],
      ];
      const problems = [];
      for (const [file, re, kinds] of cases) {
        try {
          const wv = await openModel(page, file, { expect: 'error' });
          const card = wv.frame.locator('#nl-error');
          assert(await card.isVisible(), `#nl-error visible for ${file}`);
          const text = (await card.innerText()).replace(/\s+/g, ' ').trim();
          log(`${file}: #nl-error "${text.slice(0, 200)}"`);
          assert(text.length > 20, `${file}: error card has a message ("${text}")`);
          assert(re.test(text), `${file}: error message names the problem (${re}): "${text}"`);
          const kind = await card.getAttribute('data-kind');
          if (kind !== null) assert(kinds.includes(kind), `${file}: #nl-error[data-kind]="${kind}", expected one of ${kinds}`);
          await shot(page, `e-error-${file.replace('.onnx', '')}`);
        } catch (e) { problems.push(e.message); }
      }
      // the extension host is alive: a good model still opens
      await closeAllEditors(page);
      const wv = await openModel(page, MLP);
      await checkModelView(wv, MLP);
      assert(!problems.length, problems.join('\n'));
    },
  },
  {
    name: 'f mnist-cnn.onnx opens: ready, node count = CLI',
    fn: async () => {
      const wv = await openModel(page, CNN);
      await checkModelView(wv, CNN);
      await sleep(300);
      await shot(page, 'f-cnn');
    },
  },
  {
    name: 'f2 CNN: Conv weight heatmap (4-D kernels) draws with a tooltip',
    fn: async () => {
      const wv = await openModel(page, CNN);
      const id = await selectNodeOfType(wv, 'Conv');
      const row = wv.frame.locator('#nl-details .nl-weight[data-tensor]').first();
      const tensor = await row.getAttribute('data-tensor');
      await row.locator('.nl-open-heatmap').click();
      await wv.frame.waitForFunction((t) => {
        const h = document.querySelector('#nl-heatmap');
        return h && !h.hidden && h.getAttribute('data-tensor') === t && (document.querySelector('#nl-heatmap-legend')?.childElementCount ?? 0) > 0;
      }, tensor, { timeout: 15000 }).catch(async () => {
        throw new Error(`heatmap for ${tensor} never drew: "${(await wv.frame.locator('#nl-heatmap').innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 200)}"`);
      });
      const canvas = wv.frame.locator('#nl-heatmap canvas').first();
      const cb = await canvas.boundingBox();
      assert(cb && cb.width > 0 && cb.height > 0, `kernel canvas has a size ${JSON.stringify(cb)}`);
      const tip = wv.frame.locator('#nl-heatmap-tooltip');
      let tipText = '';
      for (const [fx, fy] of [[0.5, 0.5], [0.25, 0.25], [0.75, 0.6], [0.1, 0.1]]) {
        await page.mouse.move(cb.x + cb.width * fx, cb.y + cb.height * fy, { steps: 2 });
        await sleep(250);
        if (await tip.isVisible().catch(() => false)) { tipText = (await tip.innerText()).replace(/\s+/g, ' '); if (/\d\.\d|e[-+]?\d/.test(tipText)) break; }
      }
      const note = (await wv.frame.locator('#nl-heatmap').innerText()).replace(/\s+/g, ' ').slice(0, 160);
      log(`CNN node ${id} heatmap ${tensor}: ${note} | tooltip "${tipText}"`);
      assert(/\d\.\d|e[-+]?\d/.test(tipText), `tooltip shows a value over a kernel cell: "${tipText}"`);
      await shot(page, 'f2-cnn-conv-heatmap');
    },
  },
  {
    name: 'g "Neural Lens: Export Graph as SVG…" writes an SVG through the save dialog',
    timeout: 60000,
    fn: async () => {
      await openModel(page, MLP);
      const target = path.join(WS, 'exported-graph.svg');
      fs.rmSync(target, { force: true });
      await palette(page, 'Neural Lens: Export Graph as SVG');
      // code-server's simple file dialog is a quick input whose value is a path (the palette's starts with '>')
      const input = page.locator('.quick-input-widget input');
      const appeared = await page.waitForFunction(() => {
        const i = document.querySelector('.quick-input-widget input');
        return i && i.offsetParent !== null && i.value.startsWith('/');
      }, null, { timeout: 15000 }).then(() => true, () => false);
      if (!appeared) throw new Error(`no save dialog appeared; notifications: ${JSON.stringify(await notifications(page))}`);
      // the simple dialog first shows the folder, then completes the proposed file name
      await page.waitForFunction(() => /\.svg$/i.test(document.querySelector('.quick-input-widget input')?.value || ''), null, { timeout: 5000 }).catch(() => {});
      const proposed = await input.inputValue();
      log(`save dialog proposed: ${proposed}`);
      assert(/\.svg$/i.test(proposed), `the save dialog proposes an .svg file name: ${proposed}`);
      await input.fill(target);
      await sleep(200);
      await page.keyboard.press('Enter');
      const ok = await (async () => { for (let i = 0; i < 60; i++) { if (fs.existsSync(target) && fs.statSync(target).size > 0) return true; await sleep(250); } return false; })();
      assert(ok, `${target} written (notifications: ${JSON.stringify(await notifications(page))})`);
      const svg = fs.readFileSync(target, 'utf8');
      assert(/<svg[\s>]/.test(svg.slice(0, 2000)), `export is an SVG document: ${svg.slice(0, 80)}`);
      assert(/Gemm/.test(svg), 'the SVG contains the Gemm node labels');
      log(`exported SVG: ${svg.length} bytes`);
      await shot(page, 'g-export-svg');
    },
  },
];
// feature scenarios kept in their own files: each exports tests({ page }) → more named tests
for (const f of ['./scenarios-inference.mjs', './scenarios-training.mjs']) tests.push(...(await import(f)).tests({ page, WS }));

let res;
try {
  res = await runTests(tests, {
    page,
    resultsFile: RESULTS,
    before: async (t) => {
      await page.keyboard.press('Escape').catch(() => {});
      // b–d, h continue in the MLP viewer opened by a1; everything else starts from a clean editor area
      if (/^[bcdh] /.test(t.name) && mlpView) return;
      mlpView = null;
      await closeAllEditors(page);
    },
  });
} finally {
  if (consoleErrors.length) {
    fs.writeFileSync(path.join(process.env.E2E_OUT || 'test-results/e2e', 'console-errors.txt'), consoleErrors.join('\n'));
    log(`${consoleErrors.length} console error(s) (test-results/e2e/console-errors.txt), first: ${consoleErrors[0]}`);
  }
  await browser.close().catch(() => {});
}
console.log(`scenarios: ${res.passed} passed, ${res.failed} failed${res.skipped ? `, ${res.skipped} skipped` : ''}`);
process.exit(res.failed || !res.passed ? 1 : 0);
