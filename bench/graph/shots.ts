/**
 * Screenshots of the viewer for visual checks (node bench/graph/run.mjs --shots [--only a,b]).
 * Written to /tmp/nl-shots/, never into the repository.
 */
import fs from 'node:fs';
import { readModel } from '../../extension/onnx/reader';
import { buildGraphView } from '../../extension/graph/buildGraphView';
import { launchBrowser, Viewer, type Theme } from './harness';
import { controlFlow, mnistCnn, mnistMlp, resnetLike, transformerLike } from './synth';
import type { Browser } from 'playwright-core';
import type { ViewerSettings } from '../../shared/protocol';

const only = (() => { const i = process.argv.indexOf('--only'); return i >= 0 ? process.argv[i + 1].split(',') : null; })();

type NL = { __nl: { select(id: string): Promise<void>; state(): Record<string, unknown>; nodeIds(): string[]; nodeScreenPosition(id: string): { x: number; y: number } | null } };

async function open(browser: Browser, name: string, bytes: Uint8Array, theme: Theme, settings: Partial<ViewerSettings> = {}, size = { width: 1280, height: 800 }) {
  const model = readModel(bytes, { name });
  const view = buildGraphView(model, { fileName: name, fileSize: bytes.length });
  const v = await Viewer.open(browser, { theme, ...size });
  const t = await v.init(view, model, settings);
  console.log(`${name} (${theme}): ${JSON.stringify(t)}`);
  return { v, view };
}

/** The light theme's variables, copied from the harness's table by reading a light page. */
const switchToLight = `(() => {
  const light = { 'editor-background': '#ffffff', 'editor-foreground': '#3b3b3b', 'focusBorder': '#005fb8', 'panel-border': '#e5e5e5',
    'charts-blue': '#1a85ff', 'charts-red': '#e51400', 'charts-green': '#388a34', 'charts-yellow': '#bf8803', 'charts-orange': '#d18616', 'charts-purple': '#652d90',
    'sideBar-background': '#f8f8f8', 'sideBar-foreground': '#3b3b3b', 'descriptionForeground': '#3b3b3b', 'editorWidget-background': '#f8f8f8',
    'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#3b3b3b', 'input-background': '#ffffff', 'input-foreground': '#3b3b3b',
    'badge-background': '#cccccc', 'badge-foreground': '#3b3b3b', 'textCodeBlock-background': '#f2f2f2' };
  for (const [k, v] of Object.entries(light)) document.documentElement.style.setProperty('--vscode-' + k, v);
  document.body.className = 'vscode-light';
})()`;

const idOf = (view: { graph: { nodes: { id: string; name: string }[] } }, name: string) => view.graph.nodes.find((n) => n.name === name)!.id;

const scenarios: Record<string, (b: Browser) => Promise<void>> = {
  async cnn(b) {
    const { v, view } = await open(b, 'mnist_cnn.onnx', mnistCnn(), 'dark');
    await v.shot('cnn-dark');
    // a real click on conv2
    const pos = await v.page.evaluate((id) => (window as unknown as NL).__nl.nodeScreenPosition(id), idOf(view, '/conv2/Conv'));
    await v.page.mouse.click(pos!.x, pos!.y);
    await v.page.waitForSelector('.nl-weight-stats:not(:has-text("loading"))');
    await v.shot('cnn-selected');
    await v.page.click('.nl-weight[data-tensor="conv2.weight"] .nl-open-heatmap');
    await v.page.waitForSelector('#nl-heatmap-legend canvas');
    const c = (await v.page.locator('#nl-heatmap canvas.nl-heatmap-canvas').boundingBox())!;
    await v.page.mouse.move(c.x + c.width * 0.45, c.y + c.height * 0.2);
    await v.shot('cnn-heatmap-kernels');
    await v.page.keyboard.press('Escape');
    await v.page.fill('#nl-search', 'relu');
    await v.page.press('#nl-search', 'Enter');
    await v.page.waitForTimeout(200);
    await v.shot('cnn-search');
    await v.page.click('#nl-export-svg');
    await v.page.click('#nl-export-png');
    await v.page.waitForTimeout(300);
    for (const e of v.exports) {
      const file = `/tmp/nl-shots/export-${e.suggestedName}`;
      fs.writeFileSync(file, e.format === 'png' ? Buffer.from(e.data, 'base64') : e.data);
      console.log('export', file, e.data.length);
    }
    const svgPage = await b.newPage({ viewport: { width: 700, height: 900 } });
    await svgPage.goto('file:///tmp/nl-shots/export-mnist_cnn.svg');
    await svgPage.screenshot({ path: '/tmp/nl-shots/export-svg-rendered.png' });
    await svgPage.close();
    await v.close();
  },
  async hc(b) {
    const { v, view } = await open(b, 'mnist_cnn.onnx', mnistCnn(), 'hc');
    await v.page.evaluate((id) => (window as unknown as NL).__nl.select(id), idOf(view, '/bn2/BatchNormalization'));
    await v.page.waitForTimeout(200);
    await v.shot('cnn-hc');
    await v.close();
  },
  async mlp(b) {
    const { v, view } = await open(b, 'mnist_mlp.onnx', mnistMlp(), 'light');
    await v.shot('mlp-light');
    await v.page.evaluate((id) => (window as unknown as NL).__nl.select(id), idOf(view, '/fc1/Gemm'));
    await v.page.click('.nl-weight[data-tensor="fc1.weight"] .nl-open-heatmap');
    await v.page.waitForSelector('#nl-heatmap-legend canvas');
    const c = (await v.page.locator('#nl-heatmap canvas.nl-heatmap-canvas').boundingBox())!;
    await v.page.mouse.move(c.x + c.width * 0.4, c.y + c.height * 0.3);
    await v.shot('mlp-heatmap-matrix');
    await v.page.evaluate((id) => (window as unknown as NL).__nl.select(id), idOf(view, '/fc3/Gemm'));
    await v.page.click('.nl-weight[data-tensor="fc3.bias"] .nl-open-heatmap');
    await v.page.waitForSelector('#nl-heatmap-legend canvas');
    const c2 = (await v.page.locator('#nl-heatmap canvas.nl-heatmap-canvas').boundingBox())!;
    await v.page.mouse.move(c2.x + c2.width * 0.35, c2.y + c2.height * 0.5);
    await v.shot('mlp-heatmap-bars');
    await v.close();
  },
  async resnet(b) {
    const { v } = await open(b, 'resnet_1k.onnx', resnetLike(1000), 'dark');
    await v.shot('resnet1k-dark');
    await v.page.click('#nl-fit');
    await v.page.waitForTimeout(200);
    await v.shot('resnet1k-fit');
    await v.close();
  },
  async resnet10k(b) {
    const { v } = await open(b, 'resnet_10k.onnx', resnetLike(10000), 'dark');
    await v.shot('resnet10k-collapsed');
    const st = await v.page.evaluate(() => (window as unknown as NL).__nl.state());
    console.log(st);
    await v.close();
  },
  async resnetCollapsed(b) {
    // a small model forced to collapse, to see blocks and expansion
    const { v } = await open(b, 'resnet_300.onnx', resnetLike(300), 'light', { collapseThreshold: 100 });
    await v.shot('resnet300-collapsed');
    const ids = await v.page.evaluate(() => (window as unknown as { __nl: { cy(): { nodes(s: string): { map(f: (n: { id(): string }) => string): string[] } } } }).__nl.cy().nodes('.kind-block, .kind-run').map((n) => n.id()));
    const pos = await v.page.evaluate((id) => (window as unknown as NL).__nl.nodeScreenPosition(id), ids[1]);
    await v.page.mouse.dblclick(pos!.x, pos!.y);
    await v.page.waitForTimeout(600);
    await v.shot('resnet300-expanded');
    await v.close();
  },
  async transformer(b) {
    const { v } = await open(b, 'transformer_1k.onnx', transformerLike(1000), 'light');
    await v.shot('transformer1k-light');
    await v.close();
  },
  async transformer10k(b) {
    const { v } = await open(b, 'transformer_10k.onnx', transformerLike(10000), 'dark');
    await v.shot('transformer10k-collapsed');
    await v.close();
  },
  async control(b) {
    const { v, view } = await open(b, 'control_flow.onnx', controlFlow(), 'dark');
    await v.shot('control-dark');
    await v.page.evaluate((id) => (window as unknown as NL).__nl.select(id), idOf(view, 'If_0'));
    await v.page.waitForTimeout(100);
    await v.shot('control-if-selected');
    const pos = await v.page.evaluate((id) => (window as unknown as NL).__nl.nodeScreenPosition(id), idOf(view, 'If_0'));
    await v.page.mouse.dblclick(pos!.x, pos!.y);
    await v.page.waitForTimeout(500);
    await v.shot('control-then-branch');
    await v.page.click('.nl-crumb >> nth=0');
    await v.page.waitForTimeout(300);
    await v.page.evaluate((id) => (window as unknown as NL).__nl.select(id), idOf(view, 'custom_fn_call'));
    await v.page.click('text=Open function body');
    await v.page.waitForTimeout(400);
    await v.shot('control-function');
    await v.close();
  },
  async theme(b) {
    // switch dark -> light the way VS Code does (body class + variables on <html>)
    const { v, view } = await open(b, 'mnist_cnn.onnx', mnistCnn(), 'dark');
    await v.page.evaluate((id) => (window as unknown as NL).__nl.select(id), idOf(view, '/conv1/Conv'));
    await v.page.click('.nl-weight[data-tensor="conv1.weight"] .nl-open-heatmap');
    await v.page.waitForSelector('#nl-heatmap-legend canvas');
    await v.page.evaluate(switchToLight);
    await v.page.waitForTimeout(300);
    await v.shot('theme-switched-light');
    await v.close();
  },
  async searchCollapsed(b) {
    const { v } = await open(b, 'resnet_10k.onnx', resnetLike(10000), 'dark');
    await v.page.fill('#nl-search', 'layer3.100/conv2');
    await v.page.press('#nl-search', 'Enter');
    await v.page.waitForTimeout(800);
    console.log(await v.page.textContent('#nl-search-status'), await v.page.evaluate(() => (window as unknown as NL).__nl.state()));
    await v.shot('resnet10k-search-expanded');
    await v.close();
  },
  async error(b) {
    const v = await Viewer.open(b, { theme: 'dark' });
    await v.init(null, null, {}, { kind: 'notOnnx', message: 'model.onnx is not an ONNX model (it starts like a ZIP archive).', hint: 'If this is a PyTorch checkpoint, export it with torch.onnx.export first.' });
    await v.shot('error');
    await v.close();
    const { v: v2 } = await open(b, 'mnist_cnn.onnx', mnistCnn(), 'light');
    await v2.close();
  },
};

async function main(): Promise<void> {
  const browser = await launchBrowser();
  try {
    for (const [name, fn] of Object.entries(scenarios)) {
      if (only && !only.includes(name)) continue;
      try {
        await fn(browser);
      } catch (e) {
        console.error(`scenario ${name} failed:`, e);
      }
    }
  } finally {
    await browser.close();
  }
}

void main();
