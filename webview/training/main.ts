/**
 * The training dashboard webview: live curves of one run (loss, accuracy, learning rate,
 * samples/s, per-layer gradient norms and update/weight ratios, weight and gradient
 * distributions over time), its controls, and after training a summary with a confusion
 * matrix. Everything is drawn from the messages of shared/protocolTraining.ts.
 */
import './dashboard.css';
import type { EpochSummary, FromDashboard, HistogramSnapshot, MetricsBatch, ToDashboard, TrainError, TrainJob, TrainReady, TrainState, TrainSummary } from '../../shared/protocolTraining';
import { h } from '../dom';
import { drawConfusion, drawDistributions, drawLineChart, readTheme, smooth, themeColor, type Series, type Theme } from './charts';

declare function acquireVsCodeApi(): { postMessage(m: FromDashboard): void };
const vscode = acquireVsCodeApi();
const post = (m: FromDashboard) => vscode.postMessage(m);

const PALETTE = ['charts-blue', 'charts-orange', 'charts-green', 'charts-purple', 'charts-red', 'charts-yellow'];
const FALLBACK: Record<string, string> = { 'charts-blue': '#3794ff', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-purple': '#b180d7', 'charts-red': '#f14c4c', 'charts-yellow': '#cca700' };
const color = (i: number) => themeColor(PALETTE[i % PALETTE.length], FALLBACK[PALETTE[i % PALETTE.length]]);

interface Run {
  title: string; job?: TrainJob; ready?: TrainReady; state: TrainState;
  step: number[]; loss: number[]; acc: number[]; lr: number[]; sps: number[];
  flowStep: number[]; layerGrad: number[][];
  epochs: EpochSummary[]; hist: HistogramSnapshot[];
  summary?: TrainSummary; error?: TrainError; etaMs: number; elapsedMs: number; checkpoint?: string;
}

const fresh = (title = ''): Run => ({ title, state: 'starting', step: [], loss: [], acc: [], lr: [], sps: [], flowStep: [], layerGrad: [], epochs: [], hist: [], etaMs: NaN, elapsedMs: 0 });
let run = fresh();
let smoothing = 0.8;
let layerIndex = 0;
let theme: Theme = readTheme();

// ---- page ----
const root = document.getElementById('dash')!;
const titleEl = h('h1', { class: 'td-title' });
const stateEl = h('span', { id: 'td-state', class: 'td-badge' });
const progressBar = h('div', { class: 'td-progress-fill' });
const progressText = h('div', { id: 'td-progress-text', class: 'td-progress-text' });
const button = (id: string, text: string, title: string, onclick: () => void) => h('button', { id, class: 'td-button', title, onclick }, text);
const pauseBtn = button('td-pause', 'Pause', 'Pause training (resume where it left off)', () => post({ type: 'control', action: run.state === 'paused' ? 'resume' : 'pause' }));
const stopBtn = button('td-stop', 'Stop', 'Stop training; the last state is kept in a checkpoint', () => post({ type: 'control', action: 'stop' }));
const saveBtn = button('td-save', 'Save Trained Model As…', 'Write the trained weights to a new .onnx file (the original stays as it is)', () => post({ type: 'control', action: 'saveAs' }));
const resumeBtn = button('td-resume-ckpt', 'Resume from Checkpoint', 'Continue this run from its last checkpoint', () => post({ type: 'control', action: 'resumeCheckpoint' }));
const errorEl = h('div', { id: 'td-error', class: 'td-error', role: 'alert', hidden: true });
const summaryEl = h('section', { id: 'td-summary', class: 'td-card td-summary', hidden: true });
const configEl = h('div', { class: 'td-config' });
const toast = h('div', { class: 'td-toast', hidden: true });

interface Card { el: HTMLElement; canvas: HTMLCanvasElement; name: string }
function card(name: string, title: string, help: string, extra?: HTMLElement): Card {
  const canvas = h('canvas', { class: 'td-canvas', id: `td-chart-${name}` });
  const png = h('button', { class: 'td-link', title: `Export "${title}" as PNG`, onclick: () => exportPng(canvas, name) }, 'PNG');
  const el = h('section', { class: 'td-card', 'data-chart': name },
    h('div', { class: 'td-card-head' }, h('h2', {}, title), extra ?? null, png),
    h('p', { class: 'td-help' }, help), canvas);
  return { el, canvas, name };
}

const smoothInput = h('input', { type: 'range', min: '0', max: '0.99', step: '0.01', value: String(smoothing), title: 'Smoothing of the bold line', 'aria-label': 'Smoothing' });
smoothInput.oninput = () => { smoothing = Number(smoothInput.value); schedule(); };
const layerSelect = h('select', { class: 'td-select', 'aria-label': 'Layer' });
layerSelect.onchange = () => { layerIndex = Number(layerSelect.value); schedule(); };
const layerSelect2 = h('select', { class: 'td-select', 'aria-label': 'Layer' });
layerSelect2.onchange = () => { layerIndex = Number(layerSelect2.value); layerSelect.value = layerSelect2.value; schedule(); };
layerSelect.addEventListener('change', () => { layerSelect2.value = layerSelect.value; });

const cards = {
  loss: card('loss', 'Loss', 'How wrong the model is; it should go down. Thin line: every training step; bold: smoothed; dots: validation data after each epoch.',
    h('label', { class: 'td-smooth' }, 'smoothing ', smoothInput)),
  accuracy: card('accuracy', 'Accuracy', 'Share of samples classified right; it should go up. Dots: validation data (not trained on).'),
  grad: card('grad', 'Gradient norm per layer', 'How strongly each layer is being corrected (log scale). Near 1e-5 or below: vanishing, the layer stops learning; steep rises: exploding — lower the learning rate.'),
  ratio: card('ratio', 'Update / weight ratio per layer', 'How big each step is next to the weights (log scale). Around 1e-3 is healthy; much lower learns slowly, much higher is unstable.'),
  lr: card('lr', 'Learning rate', 'Step size of the optimizer, as set by the schedule.'),
  sps: card('sps', 'Samples per second', 'Training speed.'),
  weights: card('weights', 'Weight distribution over time', 'Each column is one moment of training; darker means more weights with that value. Spreading out or drifting shows the layer learning.', layerSelect),
  grads: card('grads', 'Gradient distribution over time', 'The same for gradients: a band collapsing onto 0 means the layer gets no signal.', layerSelect2),
  confusion: card('confusion', 'Confusion matrix (validation)', 'Rows: true class; columns: predicted. The diagonal is right; bright cells off it are the classes the model mixes up.'),
};
cards.confusion.el.hidden = true;

root.append(
  h('header', { class: 'td-header' },
    h('div', { class: 'td-head-row' }, titleEl, stateEl, h('div', { class: 'td-actions' }, pauseBtn, stopBtn, resumeBtn, saveBtn)),
    h('div', { class: 'td-progress', role: 'progressbar' }, progressBar), progressText, configEl),
  errorEl, summaryEl,
  h('div', { class: 'td-grid' }, ...Object.values(cards).map((c) => c.el)),
  toast,
);

function exportPng(canvas: HTMLCanvasElement, name: string): void {
  const data = canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  post({ type: 'savePng', data, suggestedName: `${run.title.replace(/\.onnx$/i, '')}-${name}.png` });
}

// ---- messages ----
function onMetrics(b: MetricsBatch): void {
  for (let i = 0; i < b.step.length; i++) {
    run.step.push(b.step[i]); run.loss.push(b.loss[i]); run.acc.push(b.accuracy[i]); run.lr.push(b.lr[i]); run.sps.push(b.samplesPerSec[i]);
  }
  if (!b.layerGradNorms.length) return; // the earlier part of a resumed run: curves only
  run.flowStep.push(b.step[b.step.length - 1]);
  b.layerGradNorms.forEach((v, li) => { (run.layerGrad[li] ??= []); run.layerGrad[li][run.flowStep.length - 1] = v; });
  run.etaMs = b.etaMs; run.elapsedMs = b.elapsedMs;
}

function handle(m: ToDashboard): void {
  switch (m.type) {
    case 'reset': run = fresh(m.title); run.job = m.job; break;
    case 'ready': {
      run.ready = m.ready;
      const opts = m.ready.layers.map((l, i) => h('option', { value: String(i) }, `${l.name} (${l.opType})`));
      layerSelect.replaceChildren(...opts); layerSelect2.replaceChildren(...opts.map((o) => o.cloneNode(true) as HTMLElement));
      layerIndex = Math.min(layerIndex, Math.max(0, m.ready.layers.length - 1));
      layerSelect.value = layerSelect2.value = String(layerIndex);
      break;
    }
    case 'metrics': onMetrics(m.batch); break;
    case 'histograms': run.hist.push(m.snapshot); if (run.hist.length > 300) run.hist.shift(); break;
    case 'epoch': run.epochs.push(m.summary); break;
    case 'state': run.state = m.state; break;
    case 'done': run.summary = m.summary; break;
    case 'error': run.error = m.error; break;
    case 'checkpointed': if (!m.error) run.checkpoint = `step ${m.step}`; break;
    case 'exported': showToast(m.error ? `Export failed: ${m.error}` : m.path ? `Saved ${m.path}` : ''); return;
    default: return;
  }
  schedule();
}

function showToast(text: string): void {
  if (!text) return;
  toast.textContent = text; toast.hidden = false;
  setTimeout(() => { toast.hidden = true; }, 4000);
}

// ---- drawing ----
let pending = false;
function schedule(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; render(); });
}

const fmtTime = (ms: number) => {
  if (!Number.isFinite(ms)) return '…';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
};
const pct = (v?: number) => (v === undefined || Number.isNaN(v) ? '–' : `${(v * 100).toFixed(1)}%`);
const STATE_TEXT: Record<TrainState, string> = { starting: 'Starting…', running: 'Training', paused: 'Paused', stopping: 'Stopping…', stopped: 'Stopped', finished: 'Finished', failed: 'Failed' };

function valPoints(key: 'valLoss' | 'valAccuracy'): Series | undefined {
  const r = run.ready;
  if (!r) return undefined;
  const pts = run.epochs.filter((e) => e[key] !== undefined);
  if (!pts.length) return undefined;
  return { name: 'validation', x: pts.map((e) => Math.min(r.totalSteps, (e.epoch + 1) * r.stepsPerEpoch) - 1), y: pts.map((e) => e[key]!), color: color(1), dots: true };
}

function render(): void {
  const r = run.ready, n = run.step.length;
  document.body.dataset.trainState = run.state;
  titleEl.textContent = `Training ${run.title}`;
  stateEl.textContent = STATE_TEXT[run.state];
  stateEl.className = `td-badge td-badge-${run.state}`;
  const last = n - 1, done = n ? run.step[last] + 1 : r?.startStep ?? 0, total = r?.totalSteps ?? 0;
  progressBar.style.width = total ? `${(100 * done) / total}%` : '0';
  const epoch = r ? Math.floor(Math.max(0, done - 1) / r.stepsPerEpoch) + 1 : 0, epochs = r ? Math.ceil(total / r.stepsPerEpoch) : 0;
  progressText.textContent = r
    ? `Epoch ${epoch} of ${epochs} · step ${done} of ${total} · loss ${n ? run.loss[last].toFixed(4) : '–'} · ${n ? Math.round(run.sps[last]) : '–'} samples/s · ` +
      (run.state === 'running' ? `about ${fmtTime(run.etaMs)} left` : `${fmtTime(run.elapsedMs)} elapsed`) + (run.checkpoint ? ` · checkpoint at ${run.checkpoint}` : '')
    : run.state === 'failed' ? 'Training could not start.' : 'Loading the model and data…';
  const j = run.job;
  configEl.textContent = j ? `${j.data === 'mnist-sample' ? 'mnist-sample' : j.data.split(/[\\/]/).pop()} · ${r ? `${r.trainSize} training / ${r.valSize} validation samples · ` : ''}${j.loss} · ${j.optimizer} lr ${j.lr}${j.schedule !== 'constant' ? ` (${j.schedule})` : ''} · batch ${j.batchSize}${j.freeze.length ? ` · frozen: ${j.freeze.join(', ')}` : ''} · ${r?.backend ?? j.backend}` : '';
  configEl.title = r?.backendReason ?? '';
  const active = run.state === 'running' || run.state === 'paused' || run.state === 'starting';
  pauseBtn.textContent = run.state === 'paused' ? 'Resume' : 'Pause';
  pauseBtn.disabled = stopBtn.disabled = !active;
  resumeBtn.hidden = !(run.state === 'stopped' || run.state === 'failed') || !run.checkpoint;
  saveBtn.disabled = !r || run.state === 'starting';
  errorEl.hidden = !run.error;
  if (run.error) errorEl.replaceChildren(h('strong', {}, run.error.message), ' ', run.error.hint);
  renderSummary();

  theme = readTheme();
  const x = run.step;
  drawLineChart(cards.loss.canvas, [
    { name: 'train (each step)', x, y: run.loss, color: color(0), width: 1, alpha: 0.35 },
    { name: 'train (smoothed)', x, y: smooth(run.loss, smoothing), color: color(0), width: 2.2 },
    ...[valPoints('valLoss')].filter((s): s is Series => !!s),
  ], theme, { xLabel: 'step', yLabel: 'loss' });
  drawLineChart(cards.accuracy.canvas, [
    { name: 'train (each step)', x, y: run.acc, color: color(2), width: 1, alpha: 0.35 },
    { name: 'train (smoothed)', x, y: smooth(run.acc, smoothing), color: color(2), width: 2.2 },
    ...[valPoints('valAccuracy')].filter((s): s is Series => !!s),
  ], theme, { xLabel: 'step', yLabel: 'accuracy', empty: run.acc.some(Number.isFinite) ? undefined : 'No accuracy for this loss' });
  drawLineChart(cards.lr.canvas, [{ name: 'learning rate', x, y: run.lr, color: color(3), width: 2 }], theme, { xLabel: 'step' });
  drawLineChart(cards.sps.canvas, [{ name: 'samples/s', x, y: smooth(run.sps, 0.9), color: color(5), width: 2 }], theme, { xLabel: 'step' });
  const layers = r?.layers ?? [];
  drawLineChart(cards.grad.canvas, layers.map((l, i) => ({ name: l.name, x: run.flowStep, y: run.layerGrad[i] ?? [], color: color(i), width: 1.8 })), theme, { logY: true, xLabel: 'step', yLabel: '‖gradient‖' });
  drawLineChart(cards.ratio.canvas, layers.map((l, i) => ({ name: l.name, x: run.hist.map((s) => s.step), y: run.hist.map((s) => s.updateRatio[i]), color: color(i), width: 1.8 })), theme,
    { logY: true, xLabel: 'step', yLabel: '‖Δw‖ / ‖w‖', refLine: { y: 1e-3, label: '1e-3' } });
  legend(cards.grad.el, layers.map((l) => l.name));
  legend(cards.ratio.el, layers.map((l) => l.name));
  legend(cards.loss.el, ['train (smoothed)', 'validation'], [0, 1]);
  legend(cards.accuracy.el, ['train (smoothed)', 'validation'], [2, 1]);
  const li = layerIndex, H = run.hist;
  const slice = (a: Float32Array, k: number, bins: number) => a.subarray(k * bins, k * bins + bins);
  drawDistributions(cards.weights.canvas, H.map((s) => s.step), H.map((s) => slice(s.weightCounts, li, s.bins)), H.map((s) => [s.weightRange[li * 2], s.weightRange[li * 2 + 1]]), color(0), theme);
  drawDistributions(cards.grads.canvas, H.map((s) => s.step), H.map((s) => slice(s.gradCounts, li, s.bins)), H.map((s) => [s.gradRange[li * 2], s.gradRange[li * 2 + 1]]), color(1), theme);
  const cm = run.summary?.confusion;
  cards.confusion.el.hidden = !cm;
  if (cm) drawConfusion(cards.confusion.canvas, cm.classes, cm.counts, color(2), theme);
}

function legend(el: HTMLElement, names: string[], colors?: number[]): void {
  let lg = el.querySelector<HTMLElement>('.td-legend');
  if (!lg) { lg = h('div', { class: 'td-legend' }); el.append(lg); }
  const key = names.join('|');
  if (lg.dataset.key === key) return;
  lg.dataset.key = key;
  lg.replaceChildren(...names.map((nm, i) => h('span', { class: 'td-legend-item' }, h('span', { class: 'td-swatch', style: `background:${color(colors?.[i] ?? i)}` }), nm)));
}

function renderSummary(): void {
  const s = run.summary;
  summaryEl.hidden = !s;
  if (!s) return;
  const rows: [string, string][] = [
    ['Steps', `${s.steps}${s.stopped ? ' (stopped early)' : ''}`],
    ['Time', fmtTime(s.seconds * 1000)],
    ['Backend', `${s.backend ?? run.ready?.backend ?? 'CPU'}${run.ready?.backendFallback ? ` — ${run.ready.backendReason}` : ''}`],
    ['Final training loss', s.finalLoss?.toFixed(4) ?? '–'],
    ['Final training accuracy', pct(s.finalAccuracy)],
    ['Validation loss', s.valLoss?.toFixed(4) ?? '–'],
    ['Validation accuracy', pct(s.valAccuracy)],
    ['Best epoch (validation loss)', s.bestEpoch === undefined ? '–' : `${s.bestEpoch + 1} (${s.bestValLoss!.toFixed(4)})`],
  ];
  summaryEl.replaceChildren(
    h('h2', {}, s.stopped ? 'Stopped — summary so far' : 'Training finished'),
    h('dl', { class: 'td-dl' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    h('p', { class: 'td-help' }, `Metrics were saved beside the model as ${run.title.replace(/\.onnx$/i, '')}.metrics.csv and .metrics.jsonl; the checkpoint as ${run.title.replace(/\.onnx$/i, '')}.nltrain.ckpt. Use “Save Trained Model As…” to keep the trained weights.`),
  );
}

// test hook: the data behind the charts
(window as unknown as { __nlTraining: () => unknown }).__nlTraining = () => ({
  state: run.state, steps: run.step.length, loss: run.loss.slice(), smoothedLoss: Array.from(smooth(run.loss, smoothing)),
  valLoss: run.epochs.map((e) => e.valLoss), layers: run.ready?.layers.length ?? 0, gradPoints: run.flowStep.length,
  histograms: run.hist.length, summary: run.summary && { ...run.summary, confusion: run.summary.confusion && { classes: run.summary.confusion.classes, total: run.summary.confusion.counts.reduce((a, b) => a + b, 0) } },
  error: run.error, ready: !!run.ready, startStep: run.ready?.startStep, backend: run.ready?.backend, backendReason: run.ready?.backendReason,
});

window.addEventListener('message', (e) => handle(e.data as ToDashboard));
new ResizeObserver(() => schedule()).observe(document.body);
new MutationObserver(() => schedule()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
post({ type: 'ready' });
