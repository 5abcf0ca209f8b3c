/**
 * Run Model in the viewer: the run panel (input, provider and reason, latency, top-k classes or
 * tensor views, saliency over the input image, Compare with the engine), per-node output shapes
 * and compare colours on the graph, and the activation section of the details panel (feature-map
 * grid, heatmap or bars, histogram and stats). Activations are requested one node at a time.
 */
import type cytoscape from 'cytoscape';
import type { ToWebview } from '../../shared/protocol';
import type { ActivationData, CompareView, OutputView, RunSummary, SaliencyView } from '../../shared/protocolInference';
import { divergingLut, mix, type RGBA } from '../colors';
import { h } from '../dom';
import { formatInt, formatValue } from '../format';
import { maxAbs, rasterize } from '../heatmap/raster';
import type { Palette } from '../theme';
import { post, requestId } from '../vscode';
import { mapsRaster, saliencyOverlay, type Raster } from './draw';
import './inference.css';

export interface InferenceHost {
  /** Selects a node of the main graph (as a click would). */
  select(nodeId: string): void;
  /** Fits the graph to its (resized) view. */
  fit(): void;
}

const rgb = (c: RGBA): [number, number, number] => [c.r, c.g, c.b];

/** Puts a raster on a canvas, scaled by a whole factor (or down) to fit `maxW`×`maxH` CSS px. */
function paint(canvas: HTMLCanvasElement, r: Raster, maxW: number, maxH = 4096, maxScale = 12): void {
  const fit = Math.min(maxW / r.width, maxH / r.height);
  const s = fit >= 1 ? Math.max(1, Math.min(maxScale, Math.floor(fit))) : fit;
  canvas.width = r.width;
  canvas.height = r.height;
  canvas.style.width = `${Math.max(1, Math.round(r.width * s))}px`;
  canvas.style.height = `${Math.max(1, Math.round(r.height * s))}px`;
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(r.pixels), r.width, r.height), 0, 0);
}

function kv(k: string, v: string): HTMLElement {
  return h('div', { class: 'nl-kv' }, h('span', { class: 'nl-k' }, k), h('span', { class: 'nl-v' }, v));
}

/** "0.42 ms" / "37 µs". */
export function formatTime(ms: number): string {
  return ms >= 0.1 ? `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms` : `${Math.round(ms * 1000)} µs`;
}

/** The colour bar under a map: −max … 0 … +max (`max` undefined: each map its own). */
function legend(lut: Uint8ClampedArray, max: number | undefined): HTMLElement {
  const steps = lut.length / 4;
  const c = h('canvas', { class: 'nl-legend-bar', width: steps, height: 1 });
  c.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(lut), steps, 1), 0, 0);
  const m = max === undefined ? 'max' : formatValue(max);
  return h('div', { class: 'nl-act-legend' }, c,
    h('div', { class: 'nl-legend-labels' }, h('span', {}, `−${m}`), h('span', {}, '0'), h('span', {}, `+${m}`)),
    max === undefined ? h('div', { class: 'nl-hint nl-small-text' }, 'each map scaled to its own largest |value|') : null);
}

function histogramCanvas(counts: number[], lo: number, hi: number, lut: Uint8ClampedArray, fg: string): HTMLElement {
  const W = 280, H = 70;
  const c = h('canvas', { class: 'nl-act-hist', width: W, height: H });
  const ctx = c.getContext('2d')!;
  const maxCount = Math.max(1, ...counts);
  const bw = W / Math.max(1, counts.length);
  const steps = lut.length / 4;
  const scale = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  counts.forEach((n, i) => {
    if (!n) return;
    const centre = lo + ((i + 0.5) / counts.length) * (hi - lo);
    const k = Math.round(((Math.max(-1, Math.min(1, centre / scale)) + 1) / 2) * (steps - 1)) * 4;
    ctx.fillStyle = `rgb(${lut[k]},${lut[k + 1]},${lut[k + 2]})`;
    const bh = Math.max(1, Math.sqrt(n / maxCount) * (H - 2));
    ctx.fillRect(i * bw, H - bh, Math.max(1, bw - 1), bh);
  });
  ctx.fillStyle = fg;
  ctx.fillRect(0, H - 1, W, 1);
  return h('div', { class: 'nl-act-hist-wrap' },
    h('div', { class: 'nl-side-title' }, `Histogram (${counts.length} bins, √ count)`), c,
    h('div', { class: 'nl-legend-labels' }, h('span', {}, formatValue(lo)), h('span', {}, formatValue(hi))));
}

export class InferenceUI {
  readonly panel = h('section', { id: 'nl-run-panel', class: 'nl-run-panel', hidden: true, 'aria-label': 'Run results' });
  private run: RunSummary | null = null;
  private saliency: SaliencyView | null = null;
  private salOpacity = 0.7;
  private compareView: CompareView | null = null;
  private activationCache = new Map<string, ActivationData>();
  private pending = new Map<number, { nodeId: string; host: HTMLElement }>();
  private sharedScale = true;
  private actTitle = 'Output in the last run';
  private cy: cytoscape.Core | null = null;
  private body = h('div', { class: 'nl-run-body' });
  private collapsed = false;

  constructor(private palette: Palette, private host: InferenceHost) {
    const toggle = h('button', { class: 'nl-icon-button', title: 'Collapse / expand', 'aria-label': 'Collapse run panel', onclick: () => { this.collapsed = !this.collapsed; this.body.hidden = this.collapsed; toggle.textContent = this.collapsed ? '▸' : '▾'; } }, '▾');
    this.panel.append(
      h('header', { class: 'nl-panel-header' },
        toggle,
        h('span', { class: 'nl-run-title' }, 'Run'),
        h('span', { class: 'nl-heatmap-note' }),
        h('button', { class: 'nl-button nl-small', id: 'nl-run-again', title: 'Run the model again on another input', onclick: () => post({ type: 'runModel' }) }, 'Run again…'),
        h('button', { class: 'nl-icon-button', title: 'Close', 'aria-label': 'Close run panel', onclick: () => this.show(false) }, '×')),
      this.body);
  }

  /** Shows or hides the panel column; the graph is resized and refitted when that changes. */
  private show(on: boolean): void {
    if (this.panel.hidden === !on) return;
    this.panel.hidden = !on;
    requestAnimationFrame(() => { this.cy?.resize(); this.host.fit(); });
  }

  /** The toolbar's Run button. */
  runButton(): HTMLElement {
    return h('button', { id: 'nl-run', class: 'nl-button nl-tool', title: 'Run the model on an input (Neural Lens: Run Model…)', 'aria-label': 'Run model', onclick: () => post({ type: 'runModel' }) }, '▶ Run');
  }

  private lut(): Uint8ClampedArray {
    return divergingLut(this.palette.negative, this.palette.zero, this.palette.positive);
  }

  /** Handles the Run Model messages; false for others. */
  handle(msg: ToWebview): boolean {
    switch (msg.type) {
      case 'runStarted':
        this.show(true);
        this.panel.dataset.state = 'running';
        this.body.replaceChildren(h('p', { class: 'nl-hint' }, `Running ${msg.label}…`));
        return true;
      case 'runError':
        this.show(true);
        this.panel.dataset.state = 'error';
        this.body.replaceChildren(h('div', { class: 'nl-run-error', role: 'alert' },
          h('div', { class: 'nl-error-title' }, 'The model could not be run'),
          h('p', { class: 'nl-error-message' }, msg.message),
          msg.hint ? h('p', { class: 'nl-error-hint' }, msg.hint) : null,
          this.run ? h('p', { class: 'nl-hint' }, 'The results below the graph are from the previous run.') : null));
        return true;
      case 'runResult':
        this.run = msg.result;
        this.saliency = null;
        this.compareView = null;
        this.activationCache.clear();
        this.renderRun();
        this.applyOverlays();
        return true;
      case 'saliencyResult':
        if (!this.run || msg.runId !== this.run.runId) return true;
        this.saliency = msg.saliency ?? null;
        this.renderSaliency(msg.error);
        return true;
      case 'compareResult':
        if (!this.run || msg.runId !== this.run.runId) return true;
        this.compareView = msg.compare ?? null;
        this.renderCompare(msg.error);
        this.applyOverlays();
        return true;
      case 'nodeTimes':
        if (!this.run || msg.runId !== this.run.runId) return true;
        for (const [id, ms] of Object.entries(msg.ms)) if (this.run.overlays[id]) this.run.overlays[id].ms = ms;
        this.timesNote.textContent = `Node times on the graph: ${msg.note}.`;
        this.applyOverlays();
        return true;
      case 'activation': {
        const p = this.pending.get(msg.requestId);
        if (!p) return true;
        this.pending.delete(msg.requestId);
        if (msg.data) {
          if (!(msg.data.values instanceof Float32Array)) msg.data.values = Float32Array.from(msg.data.values as unknown as ArrayLike<number>);
          this.activationCache.set(p.nodeId, msg.data);
        }
        if (p.host.isConnected) this.fillActivation(p.host, msg.data, msg.error);
        return true;
      }
      default:
        return false;
    }
  }

  /** The model was (re)loaded: previous results no longer apply. */
  reset(): void {
    this.run = null;
    this.saliency = null;
    this.compareView = null;
    this.activationCache.clear();
    this.pending.clear();
    this.panel.hidden = true;
    this.body.replaceChildren();
  }

  // ---- run panel ----

  private salHost = h('div', { class: 'nl-run-saliency', id: 'nl-saliency' });
  private compareHost = h('div', { class: 'nl-run-compare', id: 'nl-compare' });
  private timesNote = h('p', { class: 'nl-hint nl-small-text' });

  private renderRun(): void {
    const r = this.run!;
    this.show(true);
    this.panel.dataset.state = 'done';
    this.panel.dataset.runId = String(r.runId);
    this.collapsed = false;
    this.body.hidden = false;
    const parts: HTMLElement[] = [];
    parts.push(h('div', { class: 'nl-run-meta' },
      kv('input', ''), h('div', { class: 'nl-run-input' }, r.inputDescription),
      kv('latency', `${formatTime(r.latencyMs)}${r.firstLatencyMs !== undefined ? ` (first run ${formatTime(r.firstLatencyMs)})` : ''}`),
      h('div', { class: 'nl-hint nl-small-text' }, `ONNX Runtime ${r.ortVersion}, session.run only, every node output captured`),
      h('div', { id: 'nl-run-provider', class: 'nl-run-provider', title: 'Execution provider, and why' }, r.providerLine)));
    for (const o of r.outputs) parts.push(this.outputBlock(o));
    if (r.notes.length) parts.push(h('ul', { class: 'nl-run-notes' }, ...r.notes.map((n) => h('li', {}, n))));
    if (r.saliencyAvailable) {
      this.salHost.replaceChildren(h('p', { class: 'nl-hint' }, 'Computing saliency (engine backward)…'));
      parts.push(h('section', { class: 'nl-section' }, h('h3', {}, 'Saliency'), this.salHost));
    }
    this.compareHost.replaceChildren(
      h('p', { class: 'nl-hint' }, 'Run the same input through the built-in engine and compare every layer with ONNX Runtime.'),
      h('button', { id: 'nl-compare-run', class: 'nl-button nl-small', onclick: () => { this.compareHost.replaceChildren(h('p', { class: 'nl-hint' }, 'Running the engine…')); post({ type: 'compareBackends', runId: r.runId }); } }, 'Compare with engine'));
    parts.push(h('section', { class: 'nl-section' }, h('h3', {}, 'Compare backends'), this.compareHost));
    parts.push(h('p', { class: 'nl-hint nl-run-tip' }, `Click any node in the graph to see what it produced (${r.activationNodes.filter((id) => !/^(in|out):/.test(id)).length} nodes captured; inputs and outputs too). Boxes show each node's output shape.`));
    this.timesNote.textContent = '';
    parts.push(this.timesNote);
    if (r.skipped.length) parts.push(h('details', { class: 'nl-run-notes' }, h('summary', {}, `${r.skipped.length} node outputs not captured`), h('ul', {}, ...r.skipped.map((s) => h('li', {}, s)))));
    this.body.replaceChildren(...parts);
  }

  private outputBlock(o: OutputView): HTMLElement {
    const head = h('h3', {}, `Output ${o.name} · ${o.elemType} [${o.dims.join(', ')}]`);
    if (o.kind === 'classes' && o.topK) {
      const src = o.probsFrom === 'softmax' ? 'softmax of logits' : 'probabilities';
      const rows = o.topK.map((e, i) => h('button', {
        class: 'nl-topk-row' + (i === 0 ? ' nl-topk-first' : ''), 'data-class': e.index, 'data-prob': e.prob, 'data-label': e.label,
        title: this.run?.saliencyAvailable ? `Show saliency for class ${e.label}` : `class ${e.index}`,
        onclick: () => { if (this.run?.saliencyAvailable) { this.salHost.replaceChildren(h('p', { class: 'nl-hint' }, `Computing saliency for ${e.label}…`)); post({ type: 'requestSaliency', runId: this.run.runId, classIndex: e.index }); } },
      },
      h('span', { class: 'nl-topk-label' }, e.label),
      h('span', { class: 'nl-topk-bar' }, h('span', { class: 'nl-topk-fill', style: `width:${Math.max(0.5, e.prob * 100).toFixed(1)}%` })),
      h('span', { class: 'nl-topk-prob' }, `${(e.prob * 100).toFixed(1)}%`)));
      return h('section', { class: 'nl-section nl-output', 'data-output': o.name, 'data-kind': 'classes' }, head,
        h('div', { class: 'nl-topk', id: 'nl-topk' }, ...rows),
        h('div', { class: 'nl-hint' }, `${o.topK.length === o.dims[o.dims.length - 1] ? `All ${o.topK.length} classes` : `Top ${o.topK.length}`} (${src}; labels: ${o.labelSource || 'class index'}). Click a class for its saliency.`));
    }
    const sec = h('section', { class: 'nl-section nl-output', 'data-output': o.name, 'data-kind': 'tensor' }, head);
    if (o.stats) {
      const s = o.stats;
      sec.append(h('div', { class: 'nl-act-stats' }, kv('min', formatValue(s.min)), kv('max', formatValue(s.max)), kv('mean', formatValue(s.mean)), kv('std', formatValue(s.std))));
    }
    if (o.heatmap) {
      const d = o.heatmap;
      if (!(d.values instanceof Float32Array)) d.values = Float32Array.from(d.values as unknown as ArrayLike<number>);
      const p = this.palette;
      const { geo, pixels } = rasterize(d, this.lut(), maxAbs(d.values), rgb(p.rgb.bg), rgb(mix(p.rgb.bg, p.rgb.fg, 0.8)));
      const c = h('canvas', { class: 'nl-act-canvas' });
      paint(c, { width: geo.width, height: geo.height, pixels }, 280, 200);
      sec.append(c);
      if (d.aggregation !== 'none') sec.append(h('div', { class: 'nl-hint' }, `downsampled: ${d.aggregation}`));
    }
    return sec;
  }

  private renderSaliency(error?: string): void {
    const s = this.saliency, r = this.run;
    if (!r) return;
    if (!s || !r.inputImage) {
      this.salHost.replaceChildren(h('p', { class: 'nl-error-text' }, error ?? 'No saliency map.'));
      return;
    }
    const canvas = h('canvas', { id: 'nl-saliency-canvas', class: 'nl-saliency-canvas', title: 'Input image with the saliency map over it' });
    const input = h('canvas', { class: 'nl-saliency-canvas', title: 'Input image' });
    const draw = () => {
      paint(canvas, saliencyOverlay({ width: r.inputImage!.width, height: r.inputImage!.height, rgba: r.inputImage!.rgba }, s, this.salOpacity), 150, 150);
      paint(input, saliencyOverlay({ width: r.inputImage!.width, height: r.inputImage!.height, rgba: r.inputImage!.rgba }, s, 0), 150, 150);
    };
    const slider = h('input', { type: 'range', min: 0, max: 100, value: Math.round(this.salOpacity * 100), 'aria-label': 'Overlay opacity', title: 'Overlay opacity' });
    slider.oninput = () => { this.salOpacity = Number(slider.value) / 100; draw(); };
    draw();
    this.salHost.dataset.classIndex = String(s.classIndex);
    this.salHost.replaceChildren(
      h('div', { class: 'nl-hint' }, `Which input pixels move the score of class "${s.label}" most (click another class above to switch).`),
      h('div', { class: 'nl-saliency-pair' },
        h('figure', {}, input, h('figcaption', {}, 'input')),
        h('figure', {}, canvas, h('figcaption', {}, `saliency: ${s.label}`))),
      h('label', { class: 'nl-check' }, 'opacity ', slider),
      h('div', { class: 'nl-hint nl-small-text' }, s.method));
  }

  private renderCompare(error?: string): void {
    const c = this.compareView;
    if (!c) {
      this.compareHost.replaceChildren(h('p', { class: 'nl-error-text' }, `Compare failed: ${error ?? 'no result'}`));
      return;
    }
    const fmt = (v: number) => (Number.isFinite(v) ? v.toExponential(1) : '∞');
    const rows = c.rows.map((r) => {
      const bad = !!r.mismatch || r.maxAbs > c.atol;
      return h('tr', { class: bad ? 'nl-cmp-bad' : 'nl-cmp-ok', 'data-node': r.nodeId, onclick: () => r.nodeId && this.host.select(r.nodeId), title: r.mismatch ?? `${r.output}: max |ORT − engine| ${r.maxAbs}` },
        h('td', {}, r.nodeName), h('td', {}, r.opType), h('td', { class: 'nl-num' }, r.mismatch ? 'shape' : fmt(r.maxAbs)), h('td', { class: 'nl-num' }, r.mismatch ? '' : fmt(r.maxRel)));
    });
    this.compareHost.replaceChildren(
      h('div', { class: c.firstDivergent ? 'nl-cmp-summary nl-cmp-bad' : 'nl-cmp-summary nl-cmp-ok' },
        c.firstDivergent ? `First layer over ${c.atol}: ${c.firstDivergent}` : `All ${c.rows.length} tensors agree within ${c.atol} (engine ${c.engineMs.toFixed(1)} ms).`),
      h('table', { class: 'nl-table nl-cmp-table', id: 'nl-compare-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'node'), h('th', {}, 'op'), h('th', {}, 'max abs'), h('th', {}, 'max rel'))),
        h('tbody', {}, ...rows)),
      ...(c.onlyOne.length ? [h('div', { class: 'nl-hint' }, `Only one backend produced: ${c.onlyOne.slice(0, 8).join(', ')}${c.onlyOne.length > 8 ? '…' : ''}`)] : []),
      h('div', { class: 'nl-hint' }, 'Graph nodes are outlined green (agree) or red (differ).'));
  }

  // ---- graph overlays ----

  /** Called after every graph render (the Cytoscape instance is rebuilt then). */
  afterRender(cy: cytoscape.Core | null, graphId: string): void {
    this.cy = graphId === 'main' ? cy : null;
    this.applyOverlays();
  }

  restyle(p: Palette): void {
    this.palette = p;
    this.applyOverlays();
  }

  private applyOverlays(): void {
    const cy = this.cy;
    const r = this.run;
    if (!cy || !r) return;
    const measure = document.createElement('canvas').getContext('2d')!;
    measure.font = `600 12px ${this.palette.fontFamily}`;
    const diff = new Map<string, boolean>();
    for (const row of this.compareView?.rows ?? []) if (row.nodeId) diff.set(row.nodeId, (diff.get(row.nodeId) ?? false) || !!row.mismatch || row.maxAbs > this.compareView!.atol);
    cy.batch(() => {
      for (const [id, o] of Object.entries(r.overlays)) {
        const el = cy.getElementById(id);
        if (el.empty()) continue;
        if (el.data('nlBaseLabel') === undefined) el.data({ nlBaseLabel: el.data('label'), nlBaseH: el.data('h'), nlBaseW: el.data('w') });
        const line = `→ ${o.shape}${o.ms !== undefined ? ` · ${formatTime(o.ms)}` : ''}`;
        const w = Math.max(el.data('nlBaseW'), measure.measureText(line).width + 16);
        el.data({ label: `${el.data('nlBaseLabel')}\n${line}`, h: el.data('nlBaseH') + 15, w });
        el.addClass('nl-ran');
        el.removeClass('nl-cmp-ok nl-cmp-bad');
        if (diff.has(id)) el.addClass(diff.get(id) ? 'nl-cmp-bad' : 'nl-cmp-ok');
      }
    });
    cy.style()
      .selector('node.nl-cmp-ok').style({ 'border-color': '#3fb950', 'border-width': 3 })
      .selector('node.nl-cmp-bad').style({ 'border-color': '#f85149', 'border-width': 4, 'border-style': 'solid' })
      .update();
  }

  // ---- activation in the details panel ----

  /** The details panel now shows node `nodeId`: add what it produced in the last run. */
  onNodeShown(nodeId: string, graphId: string, details: HTMLElement): void {
    details.querySelector('#nl-activation')?.remove();
    this.actTitle = nodeId.startsWith('in:') ? 'Fed in the last run' : 'Output in the last run';
    const r = this.run;
    if (!r || graphId !== 'main') return;
    const host = h('section', { id: 'nl-activation', class: 'nl-section nl-activation', 'data-node': nodeId });
    if (!r.activationNodes.includes(nodeId)) {
      host.append(h('h3', {}, this.actTitle), h('p', { class: 'nl-hint' }, 'ONNX Runtime returned no tensor for this node in the last run.'));
      details.insertBefore(host, details.children[1] ?? null);
      return;
    }
    host.append(h('h3', {}, this.actTitle), h('p', { class: 'nl-hint' }, 'Loading…'));
    details.insertBefore(host, details.children[1] ?? null);
    const cached = this.activationCache.get(nodeId);
    if (cached) return this.fillActivation(host, cached);
    const id = requestId();
    this.pending.set(id, { nodeId, host });
    post({ type: 'requestActivation', requestId: id, runId: r.runId, nodeId });
  }

  private fillActivation(host: HTMLElement, d?: ActivationData, error?: string): void {
    if (!d) {
      host.replaceChildren(h('h3', {}, this.actTitle), h('p', { class: 'nl-error-text' }, error ?? 'No data.'));
      return;
    }
    const p = this.palette;
    const lut = this.lut();
    const canvas = h('canvas', { class: 'nl-act-canvas', id: 'nl-activation-canvas' });
    const controls: HTMLElement[] = [];
    const draw = () => {
      if (d.layout === 'maps') {
        const r = mapsRaster(d.values, d.shown ?? 1, d.rows, d.cols, lut, this.sharedScale, rgb(mix(p.rgb.bg, p.rgb.fg, 0.3)), rgb(mix(p.rgb.bg, p.rgb.fg, 0.8)));
        paint(canvas, r, 290, 520, 8);
      } else {
        const hm = { graphId: 'run', tensor: d.outputName, dims: d.dims, layout: d.layout, rows: d.rows, cols: d.cols, blockRows: 1, blockCols: 1, aggregation: d.note, values: d.values, stats: d.stats, histogram: d.histogram } as const;
        const { geo, pixels } = rasterize({ ...hm }, lut, maxAbs(d.values), rgb(p.rgb.bg), rgb(mix(p.rgb.bg, p.rgb.fg, 0.8)));
        paint(canvas, { width: geo.width, height: geo.height, pixels }, 290, d.layout === 'bars' ? 90 : 400, 8);
        if (d.layout === 'bars') {
          // bars stretch on their own: each bar as wide as fits (whole pixels), 90 px tall
          canvas.style.width = `${geo.width <= 290 ? geo.width * Math.max(1, Math.floor(290 / geo.width)) : 290}px`;
          canvas.style.height = '90px';
        }
      }
    };
    if (d.layout === 'maps') {
      const cb = h('input', { type: 'checkbox', id: 'nl-act-shared' });
      cb.checked = this.sharedScale;
      cb.onchange = () => { this.sharedScale = cb.checked; this.fillActivation(host, d); };
      controls.push(h('label', { class: 'nl-check', title: 'Off: each map uses its own colour scale, so faint channels show' }, cb, 'One colour scale for all maps'));
    }
    draw();
    const s = d.stats;
    const count = d.dims.reduce((a, b) => a * b, 1);
    const what = d.layout === 'maps' ? `${d.shown} of ${d.channels} feature maps, ${d.rows}×${d.cols} each` : d.layout === 'matrix' ? `${d.rows} × ${d.cols} heatmap` : `${formatInt(d.values.length)} bars`;
    host.dataset.layout = d.layout;
    host.replaceChildren(
      h('h3', {}, this.actTitle),
      h('div', { class: 'nl-act-head' }, `${d.outputName} · ${d.elemType} [${d.dims.join(', ')}]`),
      h('div', { class: 'nl-hint' }, what + (d.note !== 'none' ? ` (${d.note})` : '')),
      ...controls,
      h('div', { class: 'nl-act-canvas-wrap' }, canvas),
      legend(lut, d.layout === 'maps' && !this.sharedScale ? undefined : Math.max(Math.abs(s.min), Math.abs(s.max))),
      histogramCanvas(d.histogram.counts, d.histogram.min, d.histogram.max, lut, p.fg),
      h('div', { class: 'nl-act-stats' },
        kv('min', formatValue(s.min)), kv('max', formatValue(s.max)), kv('mean', formatValue(s.mean)), kv('std', formatValue(s.std)),
        kv('zeros', `${formatInt(s.zeros)} (${count ? ((s.zeros / count) * 100).toFixed(1) : '0'}%)`),
        kv('NaN / Inf', `${formatInt(s.nanCount)} / ${formatInt(s.infCount)}`)));
  }
}
