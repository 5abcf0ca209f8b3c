/**
 * Gradient flow on the model graph: while a model trains, each layer box is filled by its
 * gradient L2 norm on a log scale (theme chart colors: blue small → green → yellow → red
 * large), with a legend, and layers whose gradient vanishes or explodes get a flag in
 * their label. Kept apart from the viewer so the viewer only forwards two messages.
 */
import type cytoscape from 'cytoscape';
import type { TrainingToViewer } from '../../shared/protocolTraining';
import { luminance, parseColor, mix, toHex, type RGBA } from '../colors';
import { h } from '../dom';
import { post } from '../vscode';
import './gradientFlow.css';

/** Gradient norms below this are "vanishing", above this "exploding". */
export const VANISHING = 1e-5;
export const EXPLODING = 1e2;

function themeColor(name: string, fallback: string): RGBA {
  const v = getComputedStyle(document.body).getPropertyValue(`--vscode-${name}`).trim();
  return parseColor(v) ?? parseColor(fallback)!;
}

/** 0.72, 13, 4.1e-6: two significant digits, exponent only when far from 1. */
export function formatNorm(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return v !== 0 && (Math.abs(v) < 1e-2 || Math.abs(v) >= 1e3) ? v.toExponential(1) : String(Number(v.toPrecision(2)));
}

/** Position on the log scale between lo and hi (decades), clamped to [0, 1]. */
export function logPosition(v: number, lo: number, hi: number): number {
  if (!(v > 0)) return 0;
  const a = Math.log10(lo), b = Math.log10(hi);
  return b > a ? Math.max(0, Math.min(1, (Math.log10(v) - a) / (b - a))) : 0.5;
}

export class GradientFlowOverlay {
  readonly el = h('div', { class: 'nl-gradflow', hidden: true, role: 'img', 'aria-label': 'Gradient norm legend' });
  private data?: Extract<TrainingToViewer, { type: 'gradientFlow' }>;
  private styled = new Set<string>();

  constructor(private readonly cy: () => cytoscape.Core | null, private readonly boxOf: (nodeId: string) => string | undefined) {}

  private ramp(): RGBA[] {
    return [themeColor('charts-blue', '#3794ff'), themeColor('charts-green', '#89d185'), themeColor('charts-yellow', '#cca700'), themeColor('charts-red', '#f14c4c')];
  }

  private colorAt(t: number, ramp: RGBA[]): string {
    const x = t * (ramp.length - 1), i = Math.min(ramp.length - 2, Math.floor(x));
    return toHex(mix(ramp[i], ramp[i + 1], x - i));
  }

  update(msg: TrainingToViewer): void {
    if (msg.type !== 'gradientFlow') return;
    this.data = msg.nodeIds.length ? msg : undefined;
    this.apply();
  }

  /** (Re)applies the overlay to what the canvas shows; call after each render. */
  apply(): void {
    const cy = this.cy();
    if (!cy) return;
    cy.batch(() => {
      for (const id of this.styled) cy.getElementById(id).removeStyle('background-color color border-color border-width height width label');
    });
    this.styled.clear();
    const d = this.data;
    if (!d) { this.el.hidden = true; return; }
    const vals = Array.from(d.gradNorms).filter((v) => v > 0);
    let lo = Math.min(...vals), hi = Math.max(...vals);
    if (!vals.length) { lo = 1e-6; hi = 1; }
    // at least two decades, so small wobbles do not look dramatic
    const mid = Math.sqrt(lo * hi);
    if (hi / lo < 100) { lo = mid / 10; hi = mid * 10; }
    const ramp = this.ramp();
    let vanishing = 0, exploding = 0;
    cy.batch(() => {
      d.nodeIds.forEach((nodeId, i) => {
        const box = this.boxOf(nodeId);
        if (!box) return;
        const el = cy.getElementById(box);
        if (el.empty()) return;
        const g = d.gradNorms[i];
        const flag = g < VANISHING ? ' ▼ vanishing' : g > EXPLODING || !Number.isFinite(g) ? ' ▲ exploding' : '';
        if (g < VANISHING) vanishing++; else if (flag) exploding++;
        const base = String(el.data('label') ?? el.data('name') ?? '');
        const fill = this.colorAt(logPosition(g, lo, hi), ramp), rgb = parseColor(fill)!;
        el.style({
          'background-color': fill,
          color: luminance(rgb) > 0.35 ? '#000000' : '#ffffff',
          'border-color': flag ? toHex(themeColor('errorForeground', '#f48771')) : fill,
          'border-width': flag ? 3 : 2,
          // one more line for the norm: a taller box (centred where it was)
          height: Number(el.data('h') ?? 40) + 14,
          width: Number(el.data('w') ?? 80) + 12,
          label: `${base}\n‖∇‖ ${formatNorm(g)}${flag}`,
        });
        this.styled.add(box);
      });
    });
    this.renderLegend(lo, hi, ramp, d.step, vanishing, exploding);
    post({ type: 'gradientFlowShown', layers: this.styled.size, vanishing, exploding });
  }

  private renderLegend(lo: number, hi: number, ramp: RGBA[], step: number, vanishing: number, exploding: number): void {
    const stops = ramp.map((c, i) => `${toHex(c)} ${(i / (ramp.length - 1)) * 100}%`).join(', ');
    const warn = [vanishing ? `${vanishing} vanishing (< ${VANISHING})` : '', exploding ? `${exploding} exploding (> ${EXPLODING})` : ''].filter(Boolean).join(', ');
    this.el.replaceChildren(
      h('div', { class: 'nl-gradflow-title' }, `Gradient norm ‖∇‖ · step ${step + 1}`),
      h('div', { class: 'nl-gradflow-bar', style: `background: linear-gradient(to right, ${stops})` }),
      h('div', { class: 'nl-gradflow-scale' }, h('span', {}, lo.toExponential(0)), h('span', {}, 'log scale'), h('span', {}, hi.toExponential(0))),
      h('div', { class: warn ? 'nl-gradflow-warn' : 'nl-gradflow-ok' }, warn || 'No vanishing or exploding layers'),
    );
    this.el.hidden = false;
  }
}
