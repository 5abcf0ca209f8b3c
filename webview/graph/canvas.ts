/**
 * The Cytoscape instance: elements from a laid-out VisibleGraph, tuned by size
 * (pixel ratio 1, texture while moving, haystack edges and no edge labels when
 * large), selection, search highlights, viewport helpers and exports.
 */
import cytoscape from 'cytoscape';
import type { Palette } from '../theme';
import type { LayoutResult } from './layout';
import type { Box, Measure, VisibleGraph } from './visible';
import { buildStyle } from './style';
import type { SvgScene } from './svgExport';

/** Above this many boxes+edges: pixel ratio 1, edges hidden while moving. */
const BIG_ELEMENTS = 1500;
/** Above this many: haystack edges without arrows or labels. */
const LARGE_ELEMENTS = 6000;
/** Fitting a tiny graph should not blow it up. */
const MAX_FIT_ZOOM = 1.25;

export interface CanvasHandlers {
  onTap(id: string | null): void;
  onDoubleTap(id: string): void;
  onViewport(): void;
}

export interface Placed {
  vis: VisibleGraph;
  layout: LayoutResult;
  index: Map<string, number>;
}

export class GraphCanvas {
  cy: cytoscape.Core | null = null;
  placed: Placed | null = null;
  private large = false;
  private palette!: Palette;
  private showEdgeShapes = true;

  constructor(private container: HTMLElement, private handlers: CanvasHandlers, private measureSmall: Measure) {}

  /** Replaces what is drawn. `keep` keeps the zoom and centres model point `keep.at`. */
  render(vis: VisibleGraph, layout: LayoutResult, palette: Palette, showEdgeShapes: boolean, keep?: { zoom: number; at: { x: number; y: number } }): void {
    this.palette = palette;
    this.showEdgeShapes = showEdgeShapes;
    const index = new Map<string, number>();
    vis.boxes.forEach((b, i) => index.set(b.id, i));
    this.placed = { vis, layout, index };
    const count = vis.boxes.length + vis.edges.length;
    const big = count > BIG_ELEMENTS;
    this.large = count > LARGE_ELEMENTS;
    this.cy?.destroy();
    const elements = this.elements(vis, layout, index);
    this.cy = cytoscape({
      container: this.container,
      elements,
      style: buildStyle(palette, { showEdgeShapes, large: this.large }),
      layout: { name: 'preset' },
      minZoom: 0.01,
      maxZoom: 4,
      pixelRatio: big ? 1 : 'auto',
      textureOnViewport: big,
      hideEdgesOnViewport: big,
      motionBlur: false,
      boxSelectionEnabled: false,
      autoungrabify: true,
      selectionType: 'single',
    } as cytoscape.CytoscapeOptions);
    const cy = this.cy;
    if (keep) {
      cy.zoom(keep.zoom);
      cy.pan({ x: cy.width() / 2 - keep.at.x * keep.zoom, y: cy.height() / 2 - keep.at.y * keep.zoom });
    } else {
      this.fitTop();
    }
    cy.on('tap', (e) => {
      if (e.target === cy) this.handlers.onTap(null);
      else if (e.target.isNode()) this.handlers.onTap(e.target.id());
    });
    cy.on('dbltap', 'node', (e) => this.handlers.onDoubleTap(e.target.id()));
    cy.on('viewport', () => this.handlers.onViewport());
  }

  private elements(vis: VisibleGraph, layout: LayoutResult, index: Map<string, number>): cytoscape.ElementDefinition[] {
    const els: cytoscape.ElementDefinition[] = [];
    vis.boxes.forEach((b, i) => {
      els.push({
        group: 'nodes',
        data: { id: b.id, label: b.line2 ? b.line1 + '\n' + b.line2 : b.line1, w: b.w, h: b.h },
        position: { x: layout.x[i], y: layout.y[i] },
        classes: `kind-${b.kind} cat-${b.cat}${b.expandable ? ' expandable' : ''}`,
      });
    });
    vis.edges.forEach((e, k) => {
      const si = index.get(e.source)!, ti = index.get(e.target)!;
      const data: Record<string, unknown> = { id: 'e:' + e.id, source: e.source, target: e.target };
      if (e.label && !this.large) {
        data.label = e.label;
        data.lx = Math.ceil(this.measureSmall(e.label) * 0.75 / 2) + 5;
      }
      const a = layout.routeStart[k], b = layout.routeStart[k + 1];
      let classes = '';
      if (b > a && !this.large) {
        const sx = layout.x[si], sy = layout.y[si], tx = layout.x[ti], ty = layout.y[ti];
        const dx = tx - sx, dy = ty - sy;
        const l2 = dx * dx + dy * dy || 1;
        const l = Math.sqrt(l2);
        const sd: number[] = [], sw: number[] = [];
        for (let j = a; j < b; j++) {
          const px = layout.routeXY[2 * j] - sx, py = layout.routeXY[2 * j + 1] - sy;
          sw.push((px * dx + py * dy) / l2);
          sd.push((px * -dy + py * dx) / l);
        }
        data.sd = sd;
        data.sw = sw;
        classes = 'routed';
      }
      els.push({ group: 'edges', data, classes });
    });
    return els;
  }

  restyle(palette: Palette, showEdgeShapes: boolean): void {
    this.palette = palette;
    this.showEdgeShapes = showEdgeShapes;
    this.cy?.style(buildStyle(palette, { showEdgeShapes, large: this.large }));
  }

  /** Fit the whole graph, but for tall graphs start at readable zoom at the top (Netron-like). */
  fitTop(): void {
    const cy = this.cy;
    if (!cy) return;
    this.fit();
    if (cy.zoom() < 0.6 && this.placed) {
      const z = 0.9;
      const bb = cy.elements().boundingBox();
      cy.zoom(z);
      const cx = bb.w * z < cy.width() ? cy.width() / 2 - (bb.x1 + bb.w / 2) * z : cy.width() / 2 - this.firstBoxX() * z;
      cy.pan({ x: cx, y: 24 - bb.y1 * z });
    }
  }

  private firstBoxX(): number {
    const p = this.placed!;
    return p.layout.x.length ? p.layout.x[0] : 0;
  }

  fit(): void {
    const cy = this.cy;
    if (!cy) return;
    cy.fit(undefined, 24);
    if (cy.zoom() > MAX_FIT_ZOOM) {
      cy.zoom(MAX_FIT_ZOOM);
      cy.center();
    }
  }

  zoomBy(f: number): void {
    const cy = this.cy;
    if (!cy) return;
    cy.zoom({ level: Math.max(cy.minZoom(), Math.min(cy.maxZoom(), cy.zoom() * f)), renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  }

  /** Bring a box into view (zooming in to at least `minZoom`). */
  reveal(id: string, minZoom = 0.8): void {
    const cy = this.cy;
    const el = cy?.getElementById(id);
    if (!cy || !el || el.empty()) return;
    if (cy.zoom() < minZoom) cy.zoom(minZoom);
    cy.center(el);
  }

  select(id: string | null): void {
    const cy = this.cy;
    if (!cy) return;
    cy.batch(() => {
      cy.$(':selected').unselect();
      cy.$('.nl-adjacent').removeClass('nl-adjacent');
      if (id) {
        const el = cy.getElementById(id);
        if (el.nonempty()) {
          el.select();
          el.connectedEdges().addClass('nl-adjacent');
        }
      }
    });
  }

  setMatches(ids: string[], current: string | null): void {
    const cy = this.cy;
    if (!cy) return;
    cy.batch(() => {
      cy.$('.nl-match').removeClass('nl-match');
      cy.$('.nl-current').removeClass('nl-current');
      for (const id of ids) cy.getElementById(id).addClass('nl-match');
      if (current) cy.getElementById(current).addClass('nl-current');
    });
  }

  /** Rendered position of a box in the container's coordinates. */
  renderedPosition(id: string): { x: number; y: number } | null {
    const el = this.cy?.getElementById(id);
    if (!el || el.empty()) return null;
    return el.renderedPosition();
  }

  has(id: string): boolean {
    return !!this.cy && this.cy.getElementById(id).nonempty();
  }

  exportPng(): string {
    const cy = this.cy!;
    return cy.png({ full: true, output: 'base64', bg: this.palette.bg, scale: 2, maxWidth: 12000, maxHeight: 12000 }) as unknown as string;
  }

  scene(): SvgScene {
    const p = this.placed!;
    const pal = this.palette;
    const colorsOf = (b: Box) => {
      if (b.kind === 'input') return pal.input;
      if (b.kind === 'output') return pal.output;
      return pal.categories[b.cat];
    };
    return {
      boxes: p.vis.boxes.map((b, i) => {
        const c = colorsOf(b);
        return { x: p.layout.x[i], y: p.layout.y[i], w: b.w, h: b.h, line1: b.line1, line2: b.line2, fill: c.fill, stroke: c.border, text: c.text, pill: b.kind === 'input' || b.kind === 'output', dashed: b.cat === 'unknown' };
      }),
      edges: p.vis.edges.map((e, k) => {
        const bends: { x: number; y: number }[] = [];
        for (let j = p.layout.routeStart[k]; j < p.layout.routeStart[k + 1]; j++) bends.push({ x: p.layout.routeXY[2 * j], y: p.layout.routeXY[2 * j + 1] });
        return { source: p.index.get(e.source)!, target: p.index.get(e.target)!, bends, label: e.label };
      }),
      background: pal.bg,
      edgeColor: pal.edge,
      labelColor: pal.edgeLabel,
      fontFamily: pal.fontFamily,
      showEdgeLabels: this.showEdgeShapes,
    };
  }

  destroy(): void {
    this.cy?.destroy();
    this.cy = null;
  }
}
