/**
 * Overview in the corner: every box as a small rectangle (drawn once per layout)
 * and the viewport as a frame on top; click or drag to move the view there.
 */
import type cytoscape from 'cytoscape';
import type { Palette } from '../theme';
import type { Placed } from './canvas';

export class Minimap {
  private base = document.createElement('canvas');
  private scale = 1;
  private ox = 0;
  private oy = 0;
  private frame = 0;
  private dragging = false;
  private cy: cytoscape.Core | null = null;
  private palette: Palette | null = null;
  private bounds = { x1: 0, y1: 0, x2: 0, y2: 0 };

  constructor(readonly canvas: HTMLCanvasElement) {
    canvas.addEventListener('pointerdown', (e) => {
      this.dragging = true;
      canvas.setPointerCapture(e.pointerId);
      this.panTo(e);
    });
    canvas.addEventListener('pointermove', (e) => { if (this.dragging) this.panTo(e); });
    canvas.addEventListener('pointerup', () => { this.dragging = false; });
  }

  /** Redraws the box layer (after a layout or theme change). */
  setGraph(cy: cytoscape.Core, placed: Placed, palette: Palette): void {
    this.cy = cy;
    this.palette = palette;
    const W = this.canvas.clientWidth || 180, H = this.canvas.clientHeight || 140;
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    this.canvas.width = this.base.width = Math.round(W * dpr);
    this.canvas.height = this.base.height = Math.round(H * dpr);
    const lw = Math.max(1, placed.layout.width), lh = Math.max(1, placed.layout.height);
    this.bounds = { x1: 0, y1: 0, x2: lw, y2: lh };
    const pad = 6 * dpr;
    this.scale = Math.min((this.base.width - 2 * pad) / lw, (this.base.height - 2 * pad) / lh);
    this.ox = (this.base.width - lw * this.scale) / 2;
    this.oy = (this.base.height - lh * this.scale) / 2;
    const ctx = this.base.getContext('2d')!;
    ctx.fillStyle = palette.bg;
    ctx.fillRect(0, 0, this.base.width, this.base.height);
    const { vis, layout } = placed;
    for (let i = 0; i < vis.boxes.length; i++) {
      const b = vis.boxes[i];
      const c = b.kind === 'input' ? palette.input.fill : b.kind === 'output' ? palette.output.fill : palette.categories[b.cat].border;
      ctx.fillStyle = c;
      const w = Math.max(1, b.w * this.scale), h = Math.max(1, b.h * this.scale);
      ctx.fillRect(this.ox + layout.x[i] * this.scale - w / 2, this.oy + layout.y[i] * this.scale - h / 2, w, h);
    }
    this.draw();
  }

  /** Schedules a redraw of the viewport frame. */
  update(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
  }

  private draw(): void {
    const cy = this.cy, p = this.palette;
    if (!cy || !p) return;
    const ctx = this.canvas.getContext('2d')!;
    ctx.drawImage(this.base, 0, 0);
    const ext = cy.extent();
    // nothing to navigate when the whole graph is on screen
    const b = this.bounds;
    this.canvas.style.visibility = ext.x1 <= b.x1 && ext.y1 <= b.y1 && ext.x2 >= b.x2 && ext.y2 >= b.y2 ? 'hidden' : 'visible';
    const x = this.ox + ext.x1 * this.scale, y = this.oy + ext.y1 * this.scale;
    ctx.strokeStyle = p.focus;
    ctx.lineWidth = Math.max(1.5, (window.devicePixelRatio || 1) * 1.5);
    ctx.fillStyle = p.focus + '22';
    ctx.fillRect(x, y, ext.w * this.scale, ext.h * this.scale);
    ctx.strokeRect(x, y, ext.w * this.scale, ext.h * this.scale);
  }

  private panTo(e: PointerEvent): void {
    const cy = this.cy;
    if (!cy) return;
    const r = this.canvas.getBoundingClientRect();
    const k = this.canvas.width / r.width;
    const mx = ((e.clientX - r.left) * k - this.ox) / this.scale;
    const my = ((e.clientY - r.top) * k - this.oy) / this.scale;
    const z = cy.zoom();
    cy.pan({ x: cy.width() / 2 - mx * z, y: cy.height() / 2 - my * z });
  }
}
