// Training scenarios (issue 4), against the INSTALLED .vsix: train the bundled MLP from the
// palette on mnist-sample for one epoch through the Train Model form, watch the dashboard (the
// data behind the loss curve, not only pixels) and the graph recolored by gradient norms,
// pause/resume, stop and resume from the checkpoint, save as a new file, reopen it and run it.
// Loaded by scenarios.mjs, which passes its page.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { assert, log, palette, quickPick, REPO, shot, sleep, visibleWebview, waitNlState } from './lib.mjs';

const MLP = 'mnist-mlp.onnx';
const WS = process.env.WS;

/** The training dashboard's frame (the webview whose document has #dash). */
async function dashboardFrame(page, timeout = 20000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      if (await f.evaluate(() => !!document.querySelector('#dash') && typeof window.__nlTraining === 'function').catch(() => false)) return f;
    }
    await sleep(250);
  }
  throw new Error('training dashboard webview not found');
}

const data = (dash) => dash.evaluate(() => window.__nlTraining());
async function waitData(dash, pred, what, timeout = 30000) {
  const deadline = Date.now() + timeout;
  let d;
  while (Date.now() < deadline) {
    d = await data(dash);
    if (pred(d)) return d;
    await sleep(200);
  }
  throw new Error(`dashboard: timed out waiting for ${what}; last: ${JSON.stringify({ state: d?.state, steps: d?.steps, error: d?.error })}`);
}

function npy(dims, f32) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(pre); pre[6] = 1; pre[7] = 0; pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength)]);
}
function readNpyF32(file) {
  const b = fs.readFileSync(file), hl = b.readUInt16LE(8), off = 10 + hl;
  return new Float32Array(b.buffer.slice(b.byteOffset + off, b.byteOffset + b.length));
}

/** Opens a model by absolute path through "Neural Lens: Open Model…" (the simple file dialog takes a
 *  path). Quick Open could pick the bundled sample of the same name from the recently opened list. */
async function openByPath(page, file) {
  const input = page.locator('.quick-input-widget input');
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible' });
  await input.fill('>Neural Lens: Open Model…');
  // click the exact row: "Open Sample Model" also matches and may be listed first as recently used
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Neural Lens: Open Model…' }).first().click({ timeout: 15000 });
  await sleep(500);
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await sleep(300);
  await input.fill(file);
  await sleep(300);
  await page.keyboard.press('Enter');
  const name = path.basename(file);
  await page.waitForFunction((f) => {
    const t = document.querySelector('.tabs-container .tab.active');
    return t && (t.getAttribute('aria-label') || t.textContent || '').includes(f);
  }, name, { timeout: 20000 });
  const wv = await visibleWebview(page);
  return { ...wv, state: await waitNlState(wv.frame) };
}

export function tests({ page }) {
  return [
    {
      name: 'tr1 Train Model from the palette on mnist-sample: live loss curve, gradient flow on the graph, pause/stop/resume, save and run',
      timeout: 120000,
      fn: async () => {
        for (const f of ['mnist-mlp.nltrain.json', 'mnist-mlp.nltrain.ckpt', 'mnist-mlp-trained.onnx']) fs.rmSync(path.join(WS, f), { force: true });
        // each step is slowed down by the user setting neuralLens.training.stepDelayMs (run.sh), so
        // pause and stop land mid-epoch
        const wv = await openByPath(page, path.join(WS, MLP));
        assert(wv.state === 'ready', 'the model opens');
        await palette(page, 'Neural Lens: Train Model');
        // the form: change the batch size (more, smaller steps), then start
        await quickPick(page, 'Batch size');
        const box = page.locator('.quick-input-widget input');
        await box.waitFor({ state: 'visible' });
        await sleep(200);
        await box.fill('16');
        await page.keyboard.press('Enter');
        await quickPick(page, 'Start training');
        const dash = await dashboardFrame(page);
        let d = await waitData(dash, (x) => x.steps >= 40 || x.state === 'failed', '40 steps');
        assert(!d.error, `training failed: ${JSON.stringify(d.error)}`);
        log(`dashboard: ${d.steps} steps, state ${d.state}`);
        await shot(page, 'training-1-running');

        // pause: no new steps while paused; resume
        await palette(page, 'Neural Lens: Pause/Resume Training');
        d = await waitData(dash, (x) => x.state === 'paused', 'paused state', 10000);
        const pausedAt = d.steps;
        await sleep(800);
        assert((await data(dash)).steps === pausedAt, 'no steps while paused');
        // a weight heatmap opened from the graph follows training: open fc3.bias while paused
        await wv.frame.evaluate(() => window.__nl.select('n4'));
        await wv.frame.locator('#nl-details .nl-weight[data-tensor="fc3.bias"] .nl-open-heatmap').click();
        await wv.frame.waitForFunction(() => (document.querySelector('#nl-heatmap-legend')?.childElementCount ?? 0) > 0, null, { timeout: 15000 });
        const statsText = () => wv.frame.evaluate(() => document.querySelector('#nl-heatmap .nl-heatmap-stats')?.textContent ?? '');
        const pausedStats = await statsText();
        await shot(page, 'training-2-paused');
        // resume with the dashboard's button (a real click; Escape from the palette would close the heatmap)
        await dash.locator('#td-pause').click();
        await waitData(dash, (x) => x.state === 'running' && x.steps > pausedAt + 60, 'running again', 10000);
        await wv.frame.waitForFunction((t) => document.querySelector('#nl-heatmap .nl-heatmap-stats')?.textContent !== t, pausedStats, { timeout: 5000 })
          .catch(() => { throw new Error(`the fc3.bias heatmap did not follow training (stats stayed "${pausedStats}")`); });
        log(`heatmap stats moved: "${pausedStats.replace(/\s+/g, ' ').slice(0, 80)}" → "${(await statsText()).replace(/\s+/g, ' ').slice(0, 80)}"`);

        // stop (writes the checkpoint), then resume from it
        await palette(page, 'Neural Lens: Stop Training');
        d = await waitData(dash, (x) => x.state === 'stopped', 'stopped', 15000);
        const stoppedAt = d.summary?.steps;
        assert(stoppedAt > 0 && stoppedAt < 563, `stopped mid-epoch (at ${stoppedAt})`);
        assert(fs.existsSync(path.join(WS, 'mnist-mlp.nltrain.ckpt')), 'checkpoint written beside the model');
        const cfg = JSON.parse(fs.readFileSync(path.join(WS, 'mnist-mlp.nltrain.json'), 'utf8'));
        assert(cfg.batchSize === 16 && cfg.dataset === 'mnist-sample', `settings remembered: ${JSON.stringify(cfg)}`);
        await palette(page, 'Neural Lens: Resume Training from Checkpoint');
        const dash2 = await dashboardFrame(page);
        d = await waitData(dash2, (x) => x.state === 'finished' || x.state === 'failed', 'finished', 60000);
        assert(!d.error, `resumed training failed: ${JSON.stringify(d.error)}`);
        assert(d.startStep === stoppedAt, `resumed at step ${d.startStep}, stopped at ${stoppedAt}`);

        // the data behind the loss curve: drawn and decreasing
        const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
        assert(d.loss.length >= 50, `loss points drawn: ${d.loss.length}`);
        assert(mean(d.loss.slice(-20)) < mean(d.loss.slice(0, 20)) * 0.6, `loss decreases: ${mean(d.loss.slice(0, 20))} → ${mean(d.loss.slice(-20))}`);
        assert(d.smoothedLoss.at(-1) < d.smoothedLoss[5], 'smoothed loss decreases');
        assert(d.summary.valAccuracy >= 0.85, `validation accuracy ${d.summary.valAccuracy}`);
        assert(d.summary.confusion?.classes === 10, 'confusion matrix shown');
        assert(d.histograms > 0 && d.gradPoints > 0, 'histograms and gradient norms arrived');
        const lossCanvas = await dash2.locator('#td-chart-loss').boundingBox();
        assert(lossCanvas && lossCanvas.width > 200, 'loss chart on screen');
        assert(fs.existsSync(path.join(WS, 'mnist-mlp.metrics.csv')) && fs.existsSync(path.join(WS, 'mnist-mlp.metrics.jsonl')), 'metrics CSV/JSONL beside the model');
        await shot(page, 'training-3-finished');
        for (const [card, name] of [['grad', 'training-3b-layers'], ['weights', 'training-3c-distributions'], ['confusion', 'training-3d-confusion']]) {
          await dash2.locator(`[data-chart="${card}"]`).scrollIntoViewIfNeeded();
          await sleep(300);
          await shot(page, name);
        }

        // the graph, recolored by gradient norm, with a legend
        const flow = await wv.frame.evaluate(() => {
          const cy = window.__nl.cy();
          const legend = document.querySelector('.nl-gradflow');
          const fills = cy.nodes().map((n) => n.style('background-color'));
          return { legend: legend && !legend.hidden ? legend.textContent : null, fills, labels: cy.nodes().map((n) => n.style('label')) };
        });
        assert(flow.legend && /Gradient norm/.test(flow.legend), `gradient legend shown: ${flow.legend}`);
        assert(flow.labels.filter((l) => /‖∇‖/.test(l)).length === 3, `three layers labelled with their gradient norm: ${JSON.stringify(flow.labels)}`);
        await page.locator('.tabs-container .tab', { hasText: MLP, hasNotText: 'samples' }).first().click(); // not the bundled sample's tab
        await sleep(300);
        await palette(page, 'Neural Lens: Fit Graph to View');
        await sleep(800);
        await shot(page, 'training-4-graph-gradients');

        // save as a new file (the simple save dialog offers <model>-trained.onnx), reopen, run
        await palette(page, 'Neural Lens: Save Trained Model As');
        const input = page.locator('.quick-input-widget input');
        await input.waitFor({ state: 'visible', timeout: 10000 });
        let suggested = '';
        for (let i = 0; i < 40 && !/\.onnx$/.test(suggested); i++) { await sleep(150); suggested = await input.inputValue(); }
        assert(/mnist-mlp-trained\.onnx$/.test(suggested), `suggested name: ${suggested}`);
        await page.keyboard.press('Enter');
        const saved = path.join(WS, 'mnist-mlp-trained.onnx');
        for (let i = 0; i < 50 && !fs.existsSync(saved); i++) await sleep(200);
        assert(fs.existsSync(saved), 'trained model saved');
        await page.keyboard.press('Escape');
        const wv2 = await openByPath(page, saved);
        assert(wv2.state === 'ready', 'the trained model opens in the viewer');
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-e2e-train-'));
        const x = Float32Array.from({ length: 2 * 784 }, (_, i) => ((i * 7919) % 255) / 255);
        fs.writeFileSync(path.join(tmp, 'x.npy'), npy([2, 784], x));
        const cli = path.join(REPO, 'dist', 'cli.js');
        for (const [m, dir] of [[saved, 'trained'], [path.join(WS, MLP), 'orig']]) {
          execFileSync(process.execPath, [cli, 'run', m, '--input', `input=${path.join(tmp, 'x.npy')}`, '--out', path.join(tmp, dir)], { stdio: 'pipe' });
        }
        const a = readNpyF32(path.join(tmp, 'trained', 'logits.npy')), b = readNpyF32(path.join(tmp, 'orig', 'logits.npy'));
        assert(a.length === 20 && a.every(Number.isFinite), 'trained model runs (ONNX Runtime) and gives 2×10 logits');
        assert(a.some((v, i) => Math.abs(v - b[i]) > 1e-3), 'its outputs differ from the untrained model');
        await shot(page, 'training-5-saved-reopened');
      },
    },
  ];
}
