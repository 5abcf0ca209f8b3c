/**
 * A stand-in for the VS Code webview: a page with the real CSP shape, theme variables
 * and a fake acquireVsCodeApi, loading dist/webview.js in headless Chromium. The Node
 * side plays the host (answers weight-stats and heatmap requests from the real model).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FromWebview, GraphViewModel, ModelError, ToWebview, ViewerSettings } from '../../shared/protocol';
import type { OnnxModel } from '../../extension/onnx/model';
import { findTensor, heatmapData, weightStats } from '../../extension/graph/tensorViews';

export type Theme = 'dark' | 'light' | 'hc';

/** The repository root (the bench runs from it: `npm run bench:graph`). */
const ROOT = process.cwd();

// A subset of VS Code's Dark Modern / Light Modern / High Contrast variables.
const THEMES: Record<Theme, { cls: string; vars: Record<string, string> }> = {
  dark: {
    cls: 'vscode-dark',
    vars: {
      'editor-background': '#1f1f1f', 'editor-foreground': '#cccccc', focusBorder: '#0078d4', 'panel-border': '#2b2b2b',
      'charts-blue': '#3794ff', 'charts-red': '#f14c4c', 'charts-green': '#89d185', 'charts-yellow': '#cca700', 'charts-orange': '#d18616', 'charts-purple': '#b180d7',
      'badge-background': '#616161', 'badge-foreground': '#f8f8f8', 'button-background': '#0078d4', 'button-foreground': '#ffffff', 'button-hoverBackground': '#026ec1',
      'button-secondaryBackground': '#313131', 'button-secondaryForeground': '#cccccc', 'button-secondaryHoverBackground': '#3c3c3c', 'button-border': '#ffffff12',
      'input-background': '#313131', 'input-foreground': '#cccccc', 'input-border': '#3c3c3c', 'input-placeholderForeground': '#989898',
      descriptionForeground: '#9d9d9d', errorForeground: '#f85149', 'sideBar-background': '#181818', 'sideBar-foreground': '#cccccc',
      'editorWidget-background': '#202020', 'editorWidget-border': '#313131', 'widget-shadow': '#00000066', 'textLink-foreground': '#4daafc',
      'inputValidation-errorBackground': '#5a1d1d', 'inputValidation-errorBorder': '#be1100', 'inputValidation-warningBackground': '#352a05', 'inputValidation-warningBorder': '#b89500',
      'editorHoverWidget-background': '#202020', 'editorHoverWidget-border': '#454545', 'toolbar-hoverBackground': '#5a5d5e50', 'textCodeBlock-background': '#2b2b2b',
      'font-family': 'system-ui, "Segoe UI", Ubuntu, "Droid Sans", sans-serif', 'font-size': '13px', 'editor-font-family': '"Droid Sans Mono", monospace',
    },
  },
  light: {
    cls: 'vscode-light',
    vars: {
      'editor-background': '#ffffff', 'editor-foreground': '#3b3b3b', focusBorder: '#005fb8', 'panel-border': '#e5e5e5',
      'charts-blue': '#1a85ff', 'charts-red': '#e51400', 'charts-green': '#388a34', 'charts-yellow': '#bf8803', 'charts-orange': '#d18616', 'charts-purple': '#652d90',
      'badge-background': '#cccccc', 'badge-foreground': '#3b3b3b', 'button-background': '#005fb8', 'button-foreground': '#ffffff', 'button-hoverBackground': '#0258a8',
      'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#3b3b3b', 'button-secondaryHoverBackground': '#cccccc', 'button-border': '#0000001a',
      'input-background': '#ffffff', 'input-foreground': '#3b3b3b', 'input-border': '#cecece', 'input-placeholderForeground': '#767676',
      descriptionForeground: '#3b3b3b', errorForeground: '#f85149', 'sideBar-background': '#f8f8f8', 'sideBar-foreground': '#3b3b3b',
      'editorWidget-background': '#f8f8f8', 'editorWidget-border': '#e5e5e5', 'widget-shadow': '#00000029', 'textLink-foreground': '#005fb8',
      'inputValidation-errorBackground': '#f2dede', 'inputValidation-errorBorder': '#be1100', 'inputValidation-warningBackground': '#f6f5d2', 'inputValidation-warningBorder': '#b89500',
      'editorHoverWidget-background': '#f8f8f8', 'editorHoverWidget-border': '#c8c8c8', 'toolbar-hoverBackground': '#b8b8b850', 'textCodeBlock-background': '#f2f2f2',
      'font-family': 'system-ui, "Segoe UI", Ubuntu, "Droid Sans", sans-serif', 'font-size': '13px', 'editor-font-family': '"Droid Sans Mono", monospace',
    },
  },
  hc: {
    cls: 'vscode-high-contrast',
    vars: {
      'editor-background': '#000000', 'editor-foreground': '#ffffff', focusBorder: '#f38518', 'panel-border': '#6fc3df', contrastBorder: '#6fc3df',
      'charts-blue': '#3794ff', 'charts-red': '#f14c4c', 'charts-green': '#89d185', 'charts-yellow': '#cca700', 'charts-orange': '#d18616', 'charts-purple': '#b180d7',
      'badge-background': '#000000', 'badge-foreground': '#ffffff', 'button-background': '#000000', 'button-foreground': '#ffffff', 'button-border': '#6fc3df',
      'input-background': '#000000', 'input-foreground': '#ffffff', 'input-border': '#6fc3df', descriptionForeground: '#ffffffb3', errorForeground: '#f48771',
      'sideBar-background': '#000000', 'editorWidget-background': '#0c141f', 'textLink-foreground': '#21a6ff',
      'font-family': 'system-ui, "Segoe UI", Ubuntu, "Droid Sans", sans-serif', 'font-size': '13px', 'editor-font-family': '"Droid Sans Mono", monospace',
    },
  },
};

function harnessHtml(theme: Theme): string {
  const t = THEMES[theme];
  const style = Object.entries(t.vars).map(([k, v]) => `--vscode-${k}: ${v};`).join(' ');
  const file = (p: string) => 'file://' + path.join(ROOT, p);
  const csp = "default-src 'none'; script-src 'nonce-nl' file:; style-src file: 'unsafe-inline'; img-src file: data: blob:; worker-src blob:; font-src file:";
  return `<!DOCTYPE html><html lang="en" style='${style}'><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="${file('dist/webview.css')}"><title>harness</title></head>
<body class="${t.cls}"><div id="app"></div>
<script nonce="nl">
  window.__fromWebview = [];
  window.acquireVsCodeApi = function () {
    return {
      postMessage: function (m) {
        if (m && m.type === 'rendered') window.__renderedAt = performance.now();
        window.__fromWebview.push(m);
        if (window.__nlHost) window.__nlHost(m);
      },
      getState: function () { return undefined; }, setState: function () {},
    };
  };
  window.__deliver = function (m) {
    if (m.type === 'heatmap' && m.data && Array.isArray(m.data.values)) m.data.values = new Float32Array(m.data.values);
    window.postMessage(m, '*');
  };
</script>
<script nonce="nl" src="${file('dist/webview.js')}"></script></body></html>`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--allow-file-access-from-files'],
  });
}

export interface OpenOptions { theme?: Theme; width?: number; height?: number }

export const DEFAULT_SETTINGS: ViewerSettings = { collapseThreshold: 3000, showEdgeShapes: true, heatmapMaxCells: 65536 };

export class Viewer {
  readonly received: FromWebview[] = [];
  model: OnnxModel | null = null;
  exports: { format: string; data: string; suggestedName: string }[] = [];

  private constructor(readonly page: Page) {}

  static async open(browser: Browser, opts: OpenOptions = {}): Promise<Viewer> {
    const page = await browser.newPage({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 } });
    const v = new Viewer(page);
    page.on('pageerror', (e) => console.error('[page error]', e.message));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.error(`[page ${m.type()}]`, m.text()); });
    await page.exposeFunction('__nlHost', (m: FromWebview) => v.onMessage(m));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-harness-'));
    const file = path.join(dir, 'index.html');
    fs.writeFileSync(file, harnessHtml(opts.theme ?? 'dark'));
    await page.goto('file://' + file);
    await page.waitForFunction(() => (window as unknown as { __fromWebview: { type: string }[] }).__fromWebview.some((m) => m.type === 'ready'));
    return v;
  }

  private onMessage(m: FromWebview): void {
    this.received.push(m);
    const model = this.model;
    if (m.type === 'log') console.error(`[webview ${m.level}]`, m.message);
    else if (m.type === 'requestWeightStats' && model) {
      const stats: Record<string, ReturnType<typeof weightStats>> = {};
      for (const name of m.tensors) {
        const t = findTensor(model, m.graphId, name);
        if (t) stats[name] = weightStats(t);
      }
      void this.deliver({ type: 'weightStats', requestId: m.requestId, graphId: m.graphId, stats });
    } else if (m.type === 'requestHeatmap' && model) {
      const t = findTensor(model, m.graphId, m.tensor);
      if (!t) { void this.deliver({ type: 'heatmap', requestId: m.requestId, error: `No tensor ${m.tensor}` }); return; }
      const data = heatmapData(m.graphId, t, m.maxCells);
      void this.deliver({ type: 'heatmap', requestId: m.requestId, data: { ...data, values: Array.from(data.values) as unknown as Float32Array } });
    } else if (m.type === 'saveExport') {
      this.exports.push(m);
      void this.deliver({ type: 'exported', path: `/tmp/nl-shots/${m.suggestedName}` });
    }
  }

  async deliver(m: ToWebview): Promise<void> {
    await this.page.evaluate((msg) => (window as unknown as { __deliver(x: unknown): void }).__deliver(msg), m as unknown as Record<string, unknown>);
  }

  /**
   * Sends init and waits for the first frame. Returns the webview's own timings and the
   * page-side wall time from posting init to the 'rendered' message.
   */
  async init(view: GraphViewModel | null, model: OnnxModel | null, settings: Partial<ViewerSettings> = {}, error?: ModelError): Promise<{ layoutMs: number; firstFrameMs: number; wallMs: number }> {
    this.model = model;
    const json = JSON.stringify({ type: 'init', model: view, error, settings: { ...DEFAULT_SETTINGS, ...settings } });
    await this.page.evaluate((s) => {
      const w = window as unknown as { __initT0: number; __renderedAt: number };
      const msg = JSON.parse(s);
      w.__renderedAt = 0;
      w.__initT0 = performance.now();
      window.postMessage(msg, '*');
    }, json);
    await this.page.waitForFunction(() => document.body.dataset.nlState === 'ready' || document.body.dataset.nlState === 'error', undefined, { timeout: 120000 });
    const r = await this.page.evaluate(() => {
      const w = window as unknown as { __initT0: number; __renderedAt: number; __fromWebview: { type: string; layoutMs?: number; firstFrameMs?: number }[] };
      const rendered = [...w.__fromWebview].reverse().find((m) => m.type === 'rendered');
      return { layoutMs: rendered?.layoutMs ?? 0, firstFrameMs: rendered?.firstFrameMs ?? 0, wallMs: w.__renderedAt ? w.__renderedAt - w.__initT0 : 0 };
    });
    return r;
  }

  async shot(name: string): Promise<string> {
    fs.mkdirSync('/tmp/nl-shots', { recursive: true });
    const file = `/tmp/nl-shots/${name}.png`;
    await this.page.screenshot({ path: file });
    return file;
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
