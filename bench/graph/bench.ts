/**
 * Graph view bench: synthetic ResNet-like and transformer-like models of 1k/10k/30k
 * nodes → encode, parse and build the view in Node, then open each in the webview
 * harness (headless Chromium) and time layout, first frame and frames while panning
 * and zooming (scripted cy.panBy/zoom, and real mouse drags/wheel that trigger
 * Cytoscape's texture-while-moving path).
 *
 *   npm run bench:graph                 # all sizes
 *   npm run bench:graph -- --sizes 1000 # a subset
 */
import type { Page } from 'playwright-core';
import { readModel } from '../../extension/onnx/reader';
import { buildGraphView } from '../../extension/graph/buildGraphView';
import { layeredLayout } from '../../webview/graph/layout';
import { layoutInput } from '../../webview/graph/layoutClient';
import { buildVisibleGraph, estimateWidth } from '../../webview/graph/visible';
import { detectBlocks } from '../../webview/graph/blocks';
import { launchBrowser, Viewer } from './harness';
import { resnetLike, transformerLike } from './synth';

const args = process.argv.slice(2);
const argVal = (k: string) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };
const sizes = (argVal('--sizes') ?? '1000,10000,30000').split(',').map(Number);
const kinds = (argVal('--kinds') ?? 'resnet,transformer').split(',');

interface Row {
  model: string;
  nodes: number;
  encodeMB: number;
  parseMs: number;
  viewMs: number;
  layoutFullNodeMs: number;
  boxes: number;
  layoutMs: number;
  cyMs: number;
  firstFrameMs: number;
  wallMs: number;
  scripted: FrameStats;
  gesture: FrameStats;
}

interface FrameStats { median: number; p95: number; max: number; n: number }

function stats(d: number[]): FrameStats {
  const s = d.slice(2).sort((a, b) => a - b); // first deltas include setup
  if (!s.length) return { median: 0, p95: 0, max: 0, n: 0 };
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p95: q(0.95), max: s[s.length - 1], n: s.length };
}

// In-page code is passed as text: tsx (like esbuild with keepNames) would wrap named local
// functions in a __name() helper that does not exist in the page.
async function recordFrames(page: Page, during: () => Promise<void>): Promise<number[]> {
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__loop = true;
    let last = performance.now();
    requestAnimationFrame(function tick(t) {
      window.__frames.push(t - last);
      last = t;
      if (window.__loop) requestAnimationFrame(tick);
    });
  })()`);
  await during();
  return page.evaluate(`(() => { window.__loop = false; return window.__frames; })()`);
}

async function scriptedPanZoom(page: Page): Promise<number[]> {
  return page.evaluate(`new Promise((resolve) => {
    const cy = window.__nl.cy();
    const deltas = [];
    let last = performance.now();
    let i = 0;
    const centre = { x: cy.width() / 2, y: cy.height() / 2 };
    requestAnimationFrame(function step(t) {
      deltas.push(t - last);
      last = t;
      if (i < 60) cy.panBy({ x: -9, y: -14 });
      else if (i < 90) cy.zoom({ level: cy.zoom() * 1.04, renderedPosition: centre });
      else if (i < 120) cy.zoom({ level: cy.zoom() / 1.04, renderedPosition: centre });
      else return resolve(deltas);
      i++;
      requestAnimationFrame(step);
    });
  })`);
}

async function gestures(page: Page): Promise<void> {
  const box = (await page.locator('#nl-graph').boundingBox())!;
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx - 250, cy - 200, { steps: 40 });
  await page.mouse.up();
  for (let i = 0; i < 8; i++) { await page.mouse.wheel(0, -100); await page.waitForTimeout(25); }
  for (let i = 0; i < 8; i++) { await page.mouse.wheel(0, 100); await page.waitForTimeout(25); }
  await page.waitForTimeout(300);
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const browser = await launchBrowser();
  try {
    for (const kind of kinds) {
      for (const size of sizes) {
        const t0 = performance.now();
        const bytes = kind === 'resnet' ? resnetLike(size) : transformerLike(size);
        const t1 = performance.now();
        const model = readModel(bytes, { name: `${kind}-${size}.onnx` });
        const t2 = performance.now();
        const view = buildGraphView(model, { fileName: `${kind}-${size}.onnx`, fileSize: bytes.length });
        const t3 = performance.now();
        // full (uncollapsed) layout in Node, for the record
        const full = buildVisibleGraph(view.graph, { grouping: null, expanded: new Set(), useRuns: false }, estimateWidth);
        const lf = layeredLayout(layoutInput(full));
        detectBlocks(view.graph);
        void t0; void t1;
        const viewer = await Viewer.open(browser, { width: 1280, height: 800 });
        const r = await viewer.init(view, model);
        const st = await viewer.page.evaluate('window.__nl.state()') as { boxes: number; timings: { cytoscapeMs: number } };
        const boxes = st.boxes;
        await viewer.page.waitForTimeout(300);
        const scripted = stats(await scriptedPanZoom(viewer.page));
        const gesture = stats(await recordFrames(viewer.page, () => gestures(viewer.page)));
        await viewer.close();
        rows.push({
          model: kind, nodes: view.summary.nodeCount, encodeMB: bytes.length / 1e6, parseMs: t2 - t1, viewMs: t3 - t2,
          layoutFullNodeMs: lf.ms, boxes, layoutMs: r.layoutMs, cyMs: st.timings.cytoscapeMs, firstFrameMs: r.firstFrameMs, wallMs: r.wallMs, scripted, gesture,
        });
        console.error(`done ${kind} ${size}`);
      }
    }
  } finally {
    await browser.close();
  }
  const f = (x: number) => x.toFixed(0);
  const header = ['model', 'nodes', 'MB', 'parse ms', 'view ms', 'full layout ms (Node)', 'boxes drawn', 'layout ms', 'cytoscape ms', 'first frame ms', 'scripted pan/zoom frame ms med/p95/max', 'drag+wheel frame ms med/p95/max'];
  const lines = rows.map((r) => [
    r.model, String(r.nodes), r.encodeMB.toFixed(1), f(r.parseMs), f(r.viewMs), f(r.layoutFullNodeMs), String(r.boxes), f(r.layoutMs), f(r.cyMs), f(r.firstFrameMs),
    `${f(r.scripted.median)}/${f(r.scripted.p95)}/${f(r.scripted.max)}`, `${f(r.gesture.median)}/${f(r.gesture.p95)}/${f(r.gesture.max)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(fmt(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const l of lines) console.log(fmt(l));
  console.log('\nGoals: 10k first frame < 2000 ms and frames < 33 ms; 30k first frame < 3000 ms. First frame = webview time from init to the second animation frame after drawing.');
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
