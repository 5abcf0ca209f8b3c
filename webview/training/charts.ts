/**
 * Small canvas charts for the training dashboard, drawn with the VS Code theme's colors:
 * line charts (linear or log y, many series, legend), distributions over time (TensorBoard's
 * histogram "distributions" as a heat strip: x = step, y = value, shade = count) and a
 * confusion matrix. Our own code rather than a chart library: a few hundred points per
 * series, typed-array input, theme colors and PNG export are all we need.
 */

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color: string;
  width?: number;
  /** 0..1 */
  alpha?: number;
  /** draw dots (validation points per epoch) */
  dots?: boolean;
  dash?: number[];
}

export interface Theme { fg: string; muted: string; grid: string; bg: string; font: string }

export function themeColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(`--vscode-${name}`).trim();
  return v || fallback;
}

export function readTheme(): Theme {
  return {
    fg: themeColor('editor-foreground', '#cccccc'), muted: themeColor('descriptionForeground', '#999999'),
    grid: themeColor('editorWidget-border', themeColor('panel-border', '#80808059')), bg: themeColor('editor-background', '#1e1e1e'),
    font: getComputedStyle(document.body).fontFamily || 'sans-serif',
  };
}

/** Exponential moving average with TensorBoard's debiasing (weight in [0, 1)). */
export function smooth(y: ArrayLike<number>, weight: number): Float32Array {
  const out = new Float32Array(y.length);
  let last = 0, n = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) { out[i] = NaN; continue; }
    last = last * weight + (1 - weight) * v; n++;
    out[i] = last / (1 - weight ** n);
  }
  return out;
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

/** Sizes a canvas to its CSS box at device resolution; returns the 2-D context in CSS pixels. */
export function fitCanvas(c: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const dpr = window.devicePixelRatio || 1, w = c.clientWidth || 300, h = c.clientHeight || 180;
  if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
  const ctx = c.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h };
}

export interface LineChartOptions { logY?: boolean; yLabel?: string; xLabel?: string; empty?: string; refLine?: { y: number; label: string } }

export function drawLineChart(c: HTMLCanvasElement, series: Series[], t: Theme, o: LineChartOptions = {}): void {
  const { ctx, w, h } = fitCanvas(c);
  ctx.fillStyle = t.bg; ctx.fillRect(0, 0, w, h);
  ctx.font = `11px ${t.font}`;
  const tf = (v: number) => (o.logY ? (v > 0 ? Math.log10(v) : NaN) : v);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of series) for (let i = 0; i < s.y.length; i++) {
    const y = tf(s.y[i]);
    if (!Number.isFinite(y)) continue;
    x0 = Math.min(x0, s.x[i]); x1 = Math.max(x1, s.x[i]); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  if (o.refLine) { const r = tf(o.refLine.y); if (Number.isFinite(r) && x0 <= x1) { y0 = Math.min(y0, r); y1 = Math.max(y1, r); } }
  const L = 52, R = 10, T = 8, B = 30;
  if (!(x0 <= x1)) {
    ctx.fillStyle = t.muted; ctx.textAlign = 'center'; ctx.fillText(o.empty ?? 'Waiting for the first steps…', w / 2, h / 2);
    return;
  }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y0 -= o.logY ? 0.5 : Math.abs(y0) * 0.1 || 1; y1 += o.logY ? 0.5 : Math.abs(y1) * 0.1 || 1; }
  const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
  const px = (x: number) => L + ((x - x0) / (x1 - x0)) * (w - L - R);
  const py = (y: number) => T + (1 - (y - y0) / (y1 - y0)) * (h - T - B);
  // grid and ticks
  ctx.strokeStyle = t.grid; ctx.fillStyle = t.muted; ctx.lineWidth = 1;
  const yt = o.logY ? niceTicks(Math.floor(y0), Math.ceil(y1), 4).filter((v) => Number.isInteger(v) && v >= y0 && v <= y1) : niceTicks(y0, y1, 4);
  ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
  for (const v of yt) {
    const y = Math.round(py(v)) + 0.5;
    ctx.beginPath(); ctx.moveTo(L, y); ctx.lineTo(w - R, y); ctx.stroke();
    ctx.fillText(o.logY ? `1e${v}` : fmt(v), L - 4, y);
  }
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  for (const v of niceTicks(x0, x1, Math.max(2, Math.floor((w - L) / 80)))) ctx.fillText(fmt(v), px(v), h - B + 4);
  if (o.xLabel) { ctx.fillText(o.xLabel, (L + w - R) / 2, h - 13); }
  if (o.yLabel) { ctx.save(); ctx.translate(11, (T + h - B) / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(o.yLabel, 0, -6); ctx.restore(); }
  ctx.strokeStyle = t.muted; ctx.beginPath(); ctx.moveTo(L + 0.5, T); ctx.lineTo(L + 0.5, h - B + 0.5); ctx.lineTo(w - R, h - B + 0.5); ctx.stroke();
  if (o.refLine) {
    const r = tf(o.refLine.y);
    if (Number.isFinite(r)) {
      ctx.save(); ctx.setLineDash([4, 4]); ctx.strokeStyle = t.muted; ctx.beginPath(); ctx.moveTo(L, py(r)); ctx.lineTo(w - R, py(r)); ctx.stroke(); ctx.restore();
      ctx.fillStyle = t.muted; ctx.textAlign = 'right'; ctx.textBaseline = 'bottom'; ctx.fillText(o.refLine.label, w - R - 2, py(r) - 2);
    }
  }
  // series
  ctx.save(); ctx.beginPath(); ctx.rect(L, T, w - L - R, h - T - B); ctx.clip();
  for (const s of series) {
    ctx.globalAlpha = s.alpha ?? 1; ctx.strokeStyle = s.color; ctx.fillStyle = s.color; ctx.lineWidth = s.width ?? 1.5;
    ctx.setLineDash(s.dash ?? []);
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < s.y.length; i++) {
      const y = tf(s.y[i]);
      if (!Number.isFinite(y)) { pen = false; continue; }
      const X = px(s.x[i]), Y = py(y);
      if (s.dots) { ctx.moveTo(X + 3, Y); ctx.arc(X, Y, 3, 0, Math.PI * 2); continue; }
      if (pen) ctx.lineTo(X, Y); else { ctx.moveTo(X, Y); pen = true; }
    }
    if (s.dots) ctx.fill(); else ctx.stroke();
  }
  ctx.restore();
  ctx.globalAlpha = 1; ctx.setLineDash([]);
}

/** Distribution over time: cols snapshots × bins, each column normalized; value ranges vary per snapshot. */
export function drawDistributions(c: HTMLCanvasElement, steps: number[], counts: Float32Array[], ranges: [number, number][], color: string, t: Theme): void {
  const { ctx, w, h } = fitCanvas(c);
  ctx.fillStyle = t.bg; ctx.fillRect(0, 0, w, h);
  ctx.font = `11px ${t.font}`;
  const L = 52, R = 10, T = 8, B = 30;
  if (!counts.length) { ctx.fillStyle = t.muted; ctx.textAlign = 'center'; ctx.fillText('Waiting for the first snapshot…', w / 2, h / 2); return; }
  let lo = Infinity, hi = -Infinity;
  for (const [a, b] of ranges) { lo = Math.min(lo, a); hi = Math.max(hi, b); }
  if (!(hi > lo)) { hi = lo + 1; }
  const py = (v: number) => T + (1 - (v - lo) / (hi - lo)) * (h - T - B);
  const n = counts.length, cw = (w - L - R) / n;
  ctx.fillStyle = color;
  for (let k = 0; k < n; k++) {
    const cnt = counts[k], [a, b] = ranges[k], bins = cnt.length;
    let max = 0;
    for (let i = 0; i < bins; i++) max = Math.max(max, cnt[i]);
    if (!max) continue;
    for (let i = 0; i < bins; i++) {
      if (!cnt[i]) continue;
      const va = a + ((b - a) * i) / bins, vb = a + ((b - a) * (i + 1)) / bins;
      ctx.globalAlpha = 0.15 + 0.85 * Math.sqrt(cnt[i] / max);
      const y1 = py(vb), y2 = py(va);
      ctx.fillRect(L + k * cw, y1, Math.max(1, cw + 0.5), Math.max(1, y2 - y1));
    }
  }
  ctx.globalAlpha = 1;
  ctx.strokeStyle = t.muted; ctx.fillStyle = t.muted;
  ctx.beginPath(); ctx.moveTo(L + 0.5, T); ctx.lineTo(L + 0.5, h - B + 0.5); ctx.lineTo(w - R, h - B + 0.5); ctx.stroke();
  ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
  for (const v of niceTicks(lo, hi, 4)) ctx.fillText(fmt(v), L - 4, py(v));
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  ctx.fillText(`step ${steps[0] + 1}`, L + 30, h - B + 4);
  ctx.fillText(`step ${steps[n - 1] + 1}`, w - R - 30, h - B + 4);
}

/** Confusion matrix: rows true class, columns predicted; shade by row share; counts written in. */
export function drawConfusion(c: HTMLCanvasElement, C: number, counts: Uint32Array, color: string, t: Theme): void {
  const { ctx, w, h } = fitCanvas(c);
  ctx.fillStyle = t.bg; ctx.fillRect(0, 0, w, h);
  const L = 34, T = 20, size = Math.min(w - L - 6, h - T - 6), cell = size / C;
  ctx.font = `${Math.max(8, Math.min(12, cell * 0.35))}px ${t.font}`;
  ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
  for (let r = 0; r < C; r++) {
    let rowSum = 0;
    for (let k = 0; k < C; k++) rowSum += counts[r * C + k];
    for (let k = 0; k < C; k++) {
      const v = counts[r * C + k], share = rowSum ? v / rowSum : 0;
      ctx.globalAlpha = share ? 0.12 + 0.88 * share : 0.04;
      ctx.fillStyle = r === k ? color : themeColor('charts-red', '#f14c4c');
      ctx.fillRect(L + k * cell + 1, T + r * cell + 1, cell - 2, cell - 2);
      ctx.globalAlpha = 1;
      if (v && cell >= 16) { ctx.fillStyle = t.fg; ctx.fillText(String(v), L + (k + 0.5) * cell, T + (r + 0.5) * cell); }
    }
    ctx.fillStyle = t.muted; ctx.fillText(String(r), L - 10, T + (r + 0.5) * cell);
    ctx.fillText(String(r), L + (r + 0.5) * cell, T - 9);
  }
}
