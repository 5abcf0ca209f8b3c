// Shared helpers for the e2e scripts: Chromium via playwright-core, VS Code workbench driving
// (Quick Open, command palette, tabs), Neural Lens webview frames, a tiny named-test runner.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const REPO = process.env.REPO || path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const OUT = process.env.E2E_OUT || path.join(REPO, 'test-results/e2e');
export const BASE = process.env.CS_URL || 'http://127.0.0.1:8080';
fs.mkdirSync(OUT, { recursive: true });

const t0 = Date.now();
export const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(10000);
  return { browser, page };
}

/** The independent reader: the project's CLI (dist/cli.js) — the tests compare the UI against it. */
export function cliInspect(model) {
  const out = execFileSync(process.execPath, [path.join(REPO, 'dist/cli.js'), 'inspect', model, '--json'], { encoding: 'utf8' });
  const j = JSON.parse(out);
  const s = j.summary ?? j; // accept { summary: {...} } or the ModelSummary itself
  if (typeof s.nodeCount !== 'number') throw new Error(`cli inspect --json has no nodeCount: ${out.slice(0, 300)}`);
  return s;
}

// ---------------------------------------------------------------- workbench

export async function openWorkbench(page, folder) {
  await page.goto(`${BASE}/?folder=${encodeURIComponent(folder)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60000 });
}

const quickInput = (page) => page.locator('.quick-input-widget input');

export async function palette(page, text, { pick = text } = {}) {
  // Right after the workbench loads, extension contributions may not be registered yet and an
  // open palette does not refresh its list; right after a file dialog closes, the workbench can
  // still be inert for a moment. Reopen the palette (three tries) rather than wait on a stale one.
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await quickInput(page).waitFor({ state: 'visible' });
      await quickInput(page).fill('>' + text, { timeout: 5000 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: pick }).first().waitFor({ timeout: 10000 });
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
      await sleep(500);
    }
  }
  await page.keyboard.press('Enter');
}

/** In an open quick pick, picks the row containing `text` (types it to filter, then Enter). */
export async function quickPick(page, text) {
  const input = quickInput(page);
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 15000 });
  await input.fill(text);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().waitFor({ timeout: 10000 });
  await sleep(150);
  await page.keyboard.press('Enter');
}

export async function quickOpen(page, file) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  await quickInput(page).waitFor({ state: 'visible' });
  await quickInput(page).fill(file);
  // the first row's label must be the file itself (not a fuzzy match of another file)
  const row = page.locator('.quick-input-list .monaco-list-row').first();
  await row.locator('.label-name', { hasText: file }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
}

export async function activeTabLabel(page) {
  const t = page.locator('.tabs-container .tab.active');
  if (!(await t.count())) return '';
  return ((await t.first().getAttribute('aria-label')) || (await t.first().textContent()) || '').trim();
}

export async function closeAllEditors(page) {
  await palette(page, 'View: Close All Editors');
  await page.waitForFunction(() => !document.querySelector('.tabs-container .tab'), null, { timeout: 10000 }).catch(() => {});
}

/** Messages currently in the Notification Center (toasts are hidden in smoke-test-driver mode). */
export async function notifications(page) {
  await palette(page, 'Notifications: Show Notifications');
  const center = page.locator('.notifications-center');
  await center.waitFor({ state: 'visible', timeout: 5000 }).catch(() => {});
  await sleep(300);
  const msgs = await center.locator('.notification-list-item-message').allInnerTexts().catch(() => []);
  await page.keyboard.press('Escape');
  return msgs;
}

// ---------------------------------------------------------------- webviews

/**
 * The Neural Lens webview the user sees: the last VISIBLE outer <iframe class="webview ready">, its inner
 * <iframe id="active-frame">, whose document has #nl-graph or #nl-error. Returns { frame, iframe } where
 * iframe is the inner <iframe> element (for absolute page coordinates).
 */
export async function visibleWebview(page, { timeout = 30000 } = {}) {
  const deadline = Date.now() + timeout;
  let last = 'no visible webview';
  while (Date.now() < deadline) {
    const outers = await page.locator('iframe.webview.ready').elementHandles();
    for (const outer of outers.reverse()) {
      if (!(await outer.isVisible().catch(() => false))) continue;
      const box = await outer.boundingBox().catch(() => null);
      if (!box || box.width < 50 || box.height < 50) continue;
      const of = await outer.contentFrame();
      const inner = of && (await of.$('iframe#active-frame').catch(() => null));
      const frame = inner && (await inner.contentFrame());
      if (!frame) { last = 'webview has no active-frame yet'; continue; }
      const has = await frame.evaluate(() => !!(document.querySelector('#nl-graph') || document.querySelector('#nl-error'))).catch(() => false);
      if (has) return { frame, iframe: inner };
      last = 'active-frame without #nl-graph/#nl-error';
    }
    await sleep(250);
  }
  throw new Error(`Neural Lens webview not found: ${last}`);
}

/** Fallback described by the contract: any frame of the page whose document has #nl-graph. */
export async function anyGraphFrame(page) {
  for (const f of page.frames()) {
    if (await f.evaluate(() => !!document.querySelector('#nl-graph')).catch(() => false)) return f;
  }
  return null;
}

/** Waits for body[data-nl-state] to be 'ready' or 'error'; returns it. */
export async function waitNlState(frame, timeout = 30000) {
  const h = await frame.waitForFunction(() => {
    const s = document.body && document.body.dataset.nlState;
    return s === 'ready' || s === 'error' ? s : null;
  }, null, { timeout, polling: 100 });
  return h.jsonValue();
}

/** Opens `file` (a name in the workspace) through Quick Open and returns its ready webview. */
export async function openModel(page, file, { expect = 'ready' } = {}) {
  await quickOpen(page, file);
  await page.waitForFunction((f) => {
    const t = document.querySelector('.tabs-container .tab.active');
    return t && (t.getAttribute('aria-label') || t.textContent || '').includes(f);
  }, file, { timeout: 20000 });
  const wv = await visibleWebview(page);
  const state = await waitNlState(wv.frame);
  if (expect && state !== expect) {
    const err = await wv.frame.locator('#nl-error').innerText().catch(() => '');
    throw new Error(`${file}: webview state '${state}', expected '${expect}' ${err ? `(#nl-error: ${err.replace(/\s+/g, ' ').slice(0, 200)})` : ''}`);
  }
  return { ...wv, state };
}

/** Absolute page coordinates of a point given in the inner webview frame's client coordinates. */
export async function toPage(iframe, pt) {
  const box = await iframe.boundingBox();
  if (!box) throw new Error('webview iframe has no bounding box');
  return { x: box.x + pt.x, y: box.y + pt.y };
}

export async function shot(page, name) {
  const p = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: p }).catch((e) => log('screenshot failed', e.message));
  return p;
}

// ---------------------------------------------------------------- runner

const stripAnsi = (s) => String(s).replace(/\x1b\[[0-9;]*m/g, '');

export function assert(cond, msg) { if (!cond) throw new Error(msg); }
export function assertEq(actual, expected, msg) {
  if (actual !== expected) throw new Error(`${msg}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** Runs named tests in order; each gets its own pass/fail, timeout and failure screenshot. */
export async function runTests(tests, { page, before, resultsFile }) {
  const only = (process.env.E2E_ONLY || '').split(',').filter(Boolean);
  const res = { passed: 0, failed: 0, skipped: 0, tests: [], failures: [] };
  for (const t of tests) {
    if (only.length && !only.some((w) => t.name.split(' ')[0] === w || (w.length > 2 && t.name.includes(w)))) continue;
    const start = Date.now();
    let err = null;
    try {
      if (before) await before(t);
      let timer;
      await Promise.race([
        t.fn(),
        new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timeout after ${t.timeout ?? 60000} ms`)), t.timeout ?? 60000); }),
      ]).finally(() => clearTimeout(timer));
    } catch (e) {
      err = e;
      if (e && typeof e.message === 'string') { e.message = stripAnsi(e.message); e.stack = stripAnsi(e.stack || ''); }
    }
    const ms = Date.now() - start;
    if (err && err.skip) {
      res.skipped++; res.tests.push({ title: t.name, state: 'skipped', reason: err.message, ms });
      console.log(`SKIP ${t.name} — ${err.message}`);
    } else if (err) {
      res.failed++;
      const shotPath = await shot(page, `FAIL-${t.name.replace(/[^\w-]+/g, '_').slice(0, 60)}`);
      res.tests.push({ title: t.name, state: 'failed', error: String(err.stack || err), ms, screenshot: shotPath });
      res.failures.push({ title: t.name, error: String(err.message || err) });
      console.log(`FAIL ${t.name} (${ms} ms)\n     ${String(err.message || err).split('\n').join('\n     ')}`);
    } else {
      res.passed++; res.tests.push({ title: t.name, state: 'passed', ms });
      console.log(`PASS ${t.name} (${ms} ms)`);
    }
    if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify(res, null, 2));
  }
  return res;
}

export function skip(msg) { const e = new Error(msg); e.skip = true; return e; }
