/**
 * Weight heatmap panel: asks the host for a HeatmapData, draws it crisply on a
 * canvas with a diverging scale centred on 0, a legend, a histogram and a hover
 * tooltip naming the original tensor index (or the averaged block).
 */
import type { HeatmapData, ToWebview } from '../../shared/protocol';
import { divergingLut, lutIndex, mix, type RGBA } from '../colors';
import { clear, h } from '../dom';
import { formatInt, formatShape, formatValue } from '../format';
import type { Palette } from '../theme';
import { post, requestId } from '../vscode';
import { cellAt, describeCell, maxAbs, rasterize } from './raster';

export class HeatmapPanel {
  readonly el: HTMLElement;
  private title = h('span', { class: 'nl-heatmap-title' });
  private note = h('span', { class: 'nl-heatmap-note' });
  private wrap = h('div', { class: 'nl-heatmap-canvas-wrap' });
  private canvas = h('canvas', { class: 'nl-heatmap-canvas' });
  private tooltip = h('div', { id: 'nl-heatmap-tooltip', class: 'nl-tooltip', role: 'tooltip', hidden: true });
  private legend = h('div', { id: 'nl-heatmap-legend', class: 'nl-heatmap-legend' });
  private histogram = h('div', { id: 'nl-heatmap-histogram', class: 'nl-heatmap-histogram' });
  private stats = h('div', { class: 'nl-heatmap-stats' });
  private pendingId = 0;
  private data: HeatmapData | null = null;
  private scaleMax = 0;
  private cssScaleX = 1;
  private cssScaleY = 1;
  private palette: Palette;

  constructor(palette: Palette, private onClose: () => void) {
    this.palette = palette;
    this.el = h('section', { id: 'nl-heatmap', class: 'nl-heatmap', hidden: true, 'aria-label': 'Weight heatmap' },
      h('header', { class: 'nl-panel-header' },
        this.title, this.note,
        h('button', { class: 'nl-icon-button', title: 'Close heatmap (Escape)', 'aria-label': 'Close heatmap', onclick: () => this.close() }, '×')),
      h('div', { class: 'nl-heatmap-body' },
        this.wrap,
        h('aside', { class: 'nl-heatmap-side' }, this.legend, this.histogram, this.stats)));
    this.wrap.append(this.canvas, this.tooltip);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => { this.tooltip.hidden = true; });
    new ResizeObserver(() => { if (this.data && !this.el.hidden) this.draw(); }).observe(this.wrap);
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  /** Asks again for the open tensor without clearing what is drawn (weights changed while training). */
  refresh(): void {
    const c = this.current;
    if (!c || !this.isOpen || !this.data) return;
    this.pendingId = requestId();
    post({ type: 'requestHeatmap', requestId: this.pendingId, graphId: c.graphId, tensor: c.tensor, maxCells: c.maxCells });
  }

  private current?: { graphId: string; tensor: string; maxCells: number };

  open(graphId: string, tensor: string, maxCells: number): void {
    this.current = { graphId, tensor, maxCells };
    this.el.hidden = false;
    this.el.dataset.tensor = tensor;
    this.data = null;
    this.title.textContent = tensor;
    this.note.textContent = 'Loading…';
    this.tooltip.hidden = true;
    clear(this.legend);
    clear(this.histogram);
    clear(this.stats);
    const ctx = this.canvas.getContext('2d')!;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.pendingId = requestId();
    post({ type: 'requestHeatmap', requestId: this.pendingId, graphId, tensor, maxCells });
  }

  close(): void {
    this.el.hidden = true;
    this.data = null;
    this.pendingId = 0;
    this.onClose();
  }

  receive(msg: Extract<ToWebview, { type: 'heatmap' }>): void {
    if (msg.requestId !== this.pendingId) return;
    if (msg.error || !msg.data) {
      this.note.textContent = '';
      this.stats.replaceChildren(h('p', { class: 'nl-error-text' }, msg.error ?? 'The host sent no heatmap.'));
      return;
    }
    const d = msg.data;
    if (!(d.values instanceof Float32Array)) d.values = Float32Array.from(d.values as unknown as ArrayLike<number>);
    this.data = d;
    this.scaleMax = maxAbs(d.values);
    this.title.textContent = `${d.tensor}  ${formatShape(d.dims)}`;
    this.note.textContent =
      (d.layout === 'kernels' && d.kernel ? `${d.kernel.outC} × ${d.kernel.inC} kernels of ${d.kernel.kh}×${d.kernel.kw}` : d.layout === 'bars' ? `${formatInt(d.values.length)} values` : `${d.rows} × ${d.cols}`) +
      (d.aggregation && d.aggregation !== 'none' ? ` · downsampled: ${d.aggregation}` : '');
    this.note.title = this.note.textContent; // the header cuts a long note short
    this.draw();
  }

  restyle(p: Palette): void {
    this.palette = p;
    if (this.data && this.isOpen) this.draw();
  }

  private lut(): Uint8ClampedArray {
    return divergingLut(this.palette.negative, this.palette.zero, this.palette.positive);
  }

  private draw(): void {
    const d = this.data;
    if (!d) return;
    const p = this.palette;
    const lut = this.lut();
    const rgb = (c: RGBA): [number, number, number] => [c.r, c.g, c.b];
    // gaps between kernels: a grey that differs from both the zero colour and the ends
    const gap = d.layout === 'bars' ? p.rgb.bg : mix(p.rgb.bg, p.rgb.fg, 0.3);
    const { geo, pixels } = rasterize(d, lut, this.scaleMax, rgb(gap), rgb(mix(p.rgb.bg, p.rgb.fg, 0.8)));
    const availW = Math.max(50, this.wrap.clientWidth - 8), availH = Math.max(50, this.wrap.clientHeight - 8);
    let sx: number, sy: number;
    if (d.layout === 'bars') {
      // bars: as wide as fits (at most 48 px each), full height
      sx = Math.max(availW / geo.width >= 1 ? Math.min(48, Math.floor(availW / geo.width)) : availW / geo.width, 0.25);
      sy = Math.max(1, Math.min(availH, 260) / geo.height);
    } else {
      // whole-number magnification keeps every cell the same size; small rasters may use a
      // fractional factor between 1 and 3 so they still fill the panel
      const fit = Math.min(availW / geo.width, availH / geo.height);
      sx = sy = fit >= 3 ? Math.min(64, Math.floor(fit)) : Math.max(fit, 0.25);
    }
    this.cssScaleX = sx;
    this.cssScaleY = sy;
    const dpr = window.devicePixelRatio || 1;
    const cssW = Math.max(1, Math.round(geo.width * sx)), cssH = Math.max(1, Math.round(geo.height * sy));
    this.canvas.style.width = cssW + 'px';
    this.canvas.style.height = cssH + 'px';
    this.canvas.width = Math.round(cssW * dpr);
    this.canvas.height = Math.round(cssH * dpr);
    const src = document.createElement('canvas');
    src.width = geo.width;
    src.height = geo.height;
    src.getContext('2d')!.putImageData(new ImageData(pixels as Uint8ClampedArray<ArrayBuffer>, geo.width, geo.height), 0, 0);
    const ctx = this.canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.drawImage(src, 0, 0, this.canvas.width, this.canvas.height);
    this.drawLegend(lut);
    this.drawHistogram(lut);
    this.drawStats();
  }

  private drawLegend(lut: Uint8ClampedArray): void {
    const steps = lut.length / 4;
    const c = h('canvas', { class: 'nl-legend-bar', width: steps, height: 1 });
    const img = new ImageData(new Uint8ClampedArray(lut), steps, 1);
    c.getContext('2d')!.putImageData(img, 0, 0);
    const m = this.scaleMax;
    this.legend.replaceChildren(
      h('div', { class: 'nl-side-title' }, 'Scale (symmetric around 0)'),
      c,
      h('div', { class: 'nl-legend-labels' }, h('span', {}, formatValue(-m)), h('span', {}, '0'), h('span', {}, formatValue(m))),
    );
  }

  private drawHistogram(lut: Uint8ClampedArray): void {
    const d = this.data!;
    const hist = d.histogram;
    const W = 220, H = 90;
    const dpr = window.devicePixelRatio || 1;
    const c = h('canvas', { class: 'nl-histogram-canvas', width: Math.round(W * dpr), height: Math.round(H * dpr) });
    c.style.width = W + 'px';
    c.style.height = H + 'px';
    const ctx = c.getContext('2d')!;
    ctx.scale(dpr, dpr);
    const counts = hist.counts;
    const maxCount = Math.max(1, ...counts);
    const bw = W / Math.max(1, counts.length);
    const steps = lut.length / 4;
    const scaleMax = Math.max(Math.abs(hist.min), Math.abs(hist.max));
    for (let i = 0; i < counts.length; i++) {
      if (!counts[i]) continue;
      const centre = hist.min + ((i + 0.5) / counts.length) * (hist.max - hist.min);
      const li = lutIndex(centre, scaleMax, steps);
      // sqrt keeps small bins visible next to a spike at 0
      const bh = Math.max(1, Math.sqrt(counts[i] / maxCount) * (H - 2));
      const k = Math.max(0, li) * 4;
      ctx.fillStyle = `rgb(${lut[k]},${lut[k + 1]},${lut[k + 2]})`;
      ctx.fillRect(i * bw, H - bh, Math.max(1, bw - (bw > 3 ? 1 : 0)), bh);
      ctx.strokeStyle = this.palette.fg;
      ctx.globalAlpha = 0.35;
      ctx.strokeRect(i * bw + 0.5, H - bh + 0.5, Math.max(0, bw - 1), bh - 1);
      ctx.globalAlpha = 1;
    }
    if (hist.min < 0 && hist.max > 0) {
      const zx = ((0 - hist.min) / (hist.max - hist.min)) * W;
      ctx.fillStyle = this.palette.fg;
      ctx.fillRect(Math.round(zx), 0, 1, H);
    }
    this.histogram.replaceChildren(
      h('div', { class: 'nl-side-title' }, `Histogram (${counts.length} bins, √ count)`),
      c,
      h('div', { class: 'nl-legend-labels' }, h('span', {}, formatValue(hist.min)), h('span', {}, formatValue(hist.max))),
    );
  }

  private drawStats(): void {
    const s = this.data!.stats;
    const row = (k: string, v: string) => h('div', { class: 'nl-kv' }, h('span', { class: 'nl-k' }, k), h('span', { class: 'nl-v' }, v));
    this.stats.replaceChildren(
      row('min', formatValue(s.min)), row('max', formatValue(s.max)), row('mean', formatValue(s.mean)), row('std', formatValue(s.std)),
      row('zeros', formatInt(s.zeros)),
      ...(s.nanCount ? [row('NaN', formatInt(s.nanCount))] : []),
      ...(s.infCount ? [row('±Inf', formatInt(s.infCount))] : []),
    );
  }

  private hover(e: MouseEvent): void {
    const d = this.data;
    if (!d) return;
    const x = Math.floor(e.offsetX / this.cssScaleX), y = Math.floor(e.offsetY / this.cssScaleY);
    const info = cellAt(d, x, y);
    if (!info) { this.tooltip.hidden = true; return; }
    this.tooltip.textContent = describeCell(info);
    this.tooltip.hidden = false;
    const wr = this.wrap.getBoundingClientRect();
    let tx = e.clientX - wr.left + this.wrap.scrollLeft + 14, ty = e.clientY - wr.top + this.wrap.scrollTop + 14;
    const tw = this.tooltip.offsetWidth;
    if (tx + tw > this.wrap.scrollLeft + this.wrap.clientWidth) tx = Math.max(0, tx - tw - 24);
    this.tooltip.style.left = tx + 'px';
    this.tooltip.style.top = ty + 'px';
  }
}
