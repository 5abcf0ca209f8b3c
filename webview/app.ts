/**
 * The model viewer: page shell, message handling, graph navigation (subgraphs and
 * functions as a breadcrumb), collapse state, selection, search and exports.
 */
import type { GraphView, GraphViewModel, ModelError, NodeView, ToWebview, ViewerSettings } from '../shared/protocol';
import { DetailsPanel } from './details';
import { clear, h } from './dom';
import { formatInt } from './format';
import { detectBlocks } from './graph/blocks';
import { GraphCanvas } from './graph/canvas';
import { layoutVisible } from './graph/layoutClient';
import { Minimap } from './graph/minimap';
import { sceneToSvg } from './graph/svgExport';
import { buildVisibleGraph, type CollapseState, type Measure, type VisibleGraph } from './graph/visible';
import { HeatmapPanel } from './heatmap/panel';
import { InferenceUI } from './inference/inferenceUi';
import { GradientFlowOverlay } from './training/gradientFlow';
import { findMatches, searchIndex, searchStatus, type SearchItem } from './search';
import { renderSummary, renderWarnings } from './summary';
import { readPalette, watchTheme, type Palette } from './theme';
import { post } from './vscode';

/** Collapsed graphs with more boxes than this also fold runs of identical blocks. */
const RUN_FOLD_BOXES = 1200;

interface Level {
  graph: GraphView;
  label: string;
}

interface GraphState {
  collapse: CollapseState;
  search: SearchItem[];
  nodes: Map<string, NodeView>;
}

export interface NlTestHook {
  state(): { ready: boolean; nodeCount: number; selected: string | null; zoom: number; graphId: string; boxes: number; timings: Record<string, number> };
  nodeIds(): string[];
  nodeScreenPosition(id: string): { x: number; y: number } | null;
  select(id: string): Promise<void>;
  /** The Cytoscape core, for the graph bench's scripted pan/zoom. */
  cy(): unknown;
}

export class App {
  private model: GraphViewModel | null = null;
  private settings: ViewerSettings = { collapseThreshold: 3000, showEdgeShapes: true, heatmapMaxCells: 65536 };
  private palette: Palette = readPalette();
  private levels: Level[] = [];
  private states = new Map<string, GraphState>();
  private vis: VisibleGraph | null = null;
  private selected: string | null = null;
  private ready = false;
  private renderSeq = 0;
  private matches: string[] = [];
  private matchIndex = -1;
  private lastQuery = '';
  /** Where the last render's time went (for the bench and the host log). */
  private timings = { visibleMs: 0, layoutMs: 0, cytoscapeMs: 0, firstFrameMs: 0 };
  private measureCtx = document.createElement('canvas').getContext('2d')!;
  private widthCache = new Map<string, number>();

  // shell
  private root: HTMLElement;
  private summaryHost = h('div', { class: 'nl-summary-host' });
  private breadcrumb = h('nav', { class: 'nl-breadcrumb', 'aria-label': 'Graph path' });
  private searchInput = h('input', { id: 'nl-search', type: 'search', placeholder: 'Search nodes, ops, tensors', 'aria-label': 'Search nodes, op types and tensor names', spellcheck: 'false' });
  private searchStatusEl = h('span', { id: 'nl-search-status', class: 'nl-search-status', 'aria-live': 'polite' });
  private collapseAllBtn = h('button', { id: 'nl-collapse-all', class: 'nl-button nl-secondary', hidden: true, title: 'Fold every block again' }, 'Collapse blocks');
  private edgeToggle = h('input', { type: 'checkbox', id: 'nl-edge-shapes' });
  private graphEl = h('div', { id: 'nl-graph', class: 'nl-graph', tabindex: '0', 'aria-label': 'Model graph' });
  private graphWrap = h('div', { class: 'nl-graph-wrap' });
  private status = h('div', { class: 'nl-status', hidden: true });
  private toast = h('div', { class: 'nl-toast', role: 'status', hidden: true });
  private minimapCanvas = h('canvas', { class: 'nl-minimap', title: 'Overview: click or drag to move the view' });
  private canvas: GraphCanvas;
  private minimap: Minimap;
  private details: DetailsPanel;
  private heatmap: HeatmapPanel;
  private inference = new InferenceUI(this.palette, { select: (id) => void this.select(id), fit: () => this.canvas.fit() });
  private gradFlow = new GradientFlowOverlay(() => this.canvas.cy, (id) => this.vis?.boxOf(id));

  constructor(root: HTMLElement) {
    this.root = root;
    const measure: Measure = (t) => this.measure(t);
    this.canvas = new GraphCanvas(this.graphEl, {
      onTap: (id) => void this.select(id),
      onDoubleTap: (id) => void this.open(id),
      onViewport: () => this.minimap.update(),
    }, measure);
    this.minimap = new Minimap(this.minimapCanvas);
    this.details = new DetailsPanel({
      openHeatmap: (t) => this.heatmap.open(this.currentGraph()!.id, t, this.settings.heatmapMaxCells),
      openSubgraph: (node, attr) => this.openSubgraph(node, attr),
      openFunction: (node) => this.openFunction(node),
      expand: (id) => void this.expand(id),
      collapse: (id) => void this.collapse(id),
    });
    this.heatmap = new HeatmapPanel(this.palette, () => this.graphEl.focus());
    watchTheme(() => this.onTheme());
    new ResizeObserver(() => {
      this.canvas.cy?.resize();
      if (this.canvas.cy && this.canvas.placed) this.minimap.setGraph(this.canvas.cy, this.canvas.placed, this.palette);
    }).observe(this.graphEl);
    document.addEventListener('keydown', (e) => this.onKey(e));
  }

  // ---- messages ----

  handle(msg: ToWebview): void {
    switch (msg.type) {
      case 'init': void this.init(msg.model, msg.error, msg.settings); break;
      case 'weightStats': this.details.receiveStats(msg); break;
      case 'heatmap': this.heatmap.receive(msg); break;
      case 'gradientFlow': if (this.levels.length === 1) this.gradFlow.update(msg); break;
      case 'weightsChanged': this.heatmap.refresh(); break;
      default: this.inference.handle(msg); break;
      case 'command':
        if (msg.command === 'fit') this.canvas.fit();
        else if (msg.command === 'exportPng') this.exportPng();
        else if (msg.command === 'exportSvg') this.exportSvg();
        else if (msg.command === 'focusSearch') this.focusSearch();
        break;
      case 'exported':
        this.showToast(msg.error ? `Export failed: ${msg.error}` : `Saved ${msg.path ?? ''}`, !!msg.error);
        break;
    }
  }

  private async init(model: GraphViewModel | null, error: ModelError | undefined, settings: ViewerSettings): Promise<void> {
    const t0 = performance.now();
    this.settings = { ...this.settings, ...settings };
    this.model = model;
    this.levels = [];
    this.states.clear();
    this.details.clearCache();
    this.inference.reset();
    this.ready = false;
    document.body.dataset.nlState = 'loading';
    clear(this.root);
    if (error) this.root.append(errorCard(error));
    if (!model) {
      document.body.dataset.nlState = 'error';
      return;
    }
    this.buildShell(model);
    this.levels = [{ graph: model.graph, label: model.graph.name || 'main' }];
    let timing: { layoutMs: number };
    try {
      timing = await this.showCurrent();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      post({ type: 'log', level: 'error', message: `webview: drawing the graph failed: ${(err as Error)?.stack ?? message}` });
      this.root.prepend(errorCard({ kind: 'corrupt', message: `The graph could not be drawn: ${message}`, hint: 'The summary above is still valid. Please report this model with the Neural Lens output log.' }));
      document.body.dataset.nlState = 'error';
      return;
    }
    await nextFrame();
    await nextFrame();
    const firstFrameMs = performance.now() - t0;
    this.timings.firstFrameMs = firstFrameMs;
    this.ready = true;
    document.body.dataset.nlState = 'ready';
    post({ type: 'rendered', nodeCount: model.summary.nodeCount, layoutMs: Math.round(timing.layoutMs), firstFrameMs: Math.round(firstFrameMs) });
  }

  private buildShell(model: GraphViewModel): void {
    this.root.append(renderSummary(model));
    const warn = renderWarnings(model.warnings);
    if (warn) this.root.append(warn);
    this.edgeToggle.checked = this.settings.showEdgeShapes;
    this.edgeToggle.onchange = () => {
      this.settings.showEdgeShapes = this.edgeToggle.checked;
      this.canvas.restyle(this.palette, this.settings.showEdgeShapes);
    };
    this.searchInput.oninput = debounce(() => this.runSearch(), 120);
    this.searchInput.onkeydown = (e) => {
      if (e.key === 'Enter') { e.preventDefault(); void this.stepMatch(e.shiftKey ? -1 : 1); }
      else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); this.clearSearch(); }
    };
    this.collapseAllBtn.onclick = () => void this.collapseAll();
    const btn = (id: string, text: string, title: string, onclick: () => void) => h('button', { id, class: 'nl-button nl-tool', title, 'aria-label': title, onclick }, text);
    const toolbar = h('div', { class: 'nl-toolbar', role: 'toolbar' },
      this.breadcrumb,
      h('div', { class: 'nl-search' },
        this.searchInput,
        this.searchStatusEl,
        h('button', { class: 'nl-button nl-tool', title: 'Previous match (Shift+Enter)', 'aria-label': 'Previous match', onclick: () => void this.stepMatch(-1) }, '↑'),
        h('button', { class: 'nl-button nl-tool', title: 'Next match (Enter)', 'aria-label': 'Next match', onclick: () => void this.stepMatch(1) }, '↓')),
      h('div', { class: 'nl-tools' },
        this.collapseAllBtn,
        h('label', { class: 'nl-check', title: 'Label edges with tensor shapes' }, this.edgeToggle, 'Shapes'),
        this.inference.runButton(),
        btn('nl-fit', 'Fit', 'Fit graph to view (F)', () => this.canvas.fit()),
        btn('nl-zoom-in', '+', 'Zoom in', () => this.canvas.zoomBy(1.25)),
        btn('nl-zoom-out', '−', 'Zoom out', () => this.canvas.zoomBy(0.8)),
        btn('nl-export-png', 'PNG', 'Export graph as PNG', () => this.exportPng()),
        btn('nl-export-svg', 'SVG', 'Export graph as SVG', () => this.exportSvg()),
        btn('nl-train', 'Train…', 'Train this model (Neural Lens: Train Model…)', () => post({ type: 'train' }))));
    this.graphWrap.replaceChildren(this.graphEl, this.minimapCanvas, this.status, this.toast, this.heatmap.el, this.gradFlow.el);
    this.root.append(toolbar, h('div', { class: 'nl-main' }, this.inference.panel, this.graphWrap, this.details.el));
  }

  // ---- graph display ----

  private currentGraph(): GraphView | null {
    return this.levels.length ? this.levels[this.levels.length - 1].graph : null;
  }

  private stateFor(graph: GraphView): GraphState {
    let st = this.states.get(graph.id);
    if (!st) {
      const collapse: CollapseState = { grouping: null, expanded: new Set(), useRuns: false };
      if (graph.nodes.length > this.settings.collapseThreshold) {
        collapse.grouping = detectBlocks(graph);
        const inBlocks = collapse.grouping.blockOfNode.size;
        const boxes = graph.nodes.length - inBlocks + collapse.grouping.blocks.length;
        collapse.useRuns = boxes > RUN_FOLD_BOXES;
      }
      st = { collapse, search: searchIndex(graph), nodes: new Map(graph.nodes.map((n) => [n.id, n])) };
      this.states.set(graph.id, st);
    }
    return st;
  }

  /** Lays out and draws the current graph. `keepView` keeps zoom; `centreOn` is a node to centre afterwards. */
  private async showCurrent(keepView = false, centreOn?: string): Promise<{ layoutMs: number }> {
    const graph = this.currentGraph();
    if (!graph) return { layoutMs: 0 };
    const seq = ++this.renderSeq;
    const st = this.stateFor(graph);
    this.renderBreadcrumb();
    const g = st.collapse.grouping;
    this.collapseAllBtn.hidden = !g || st.collapse.expanded.size === 0;
    const tv = performance.now();
    const vis = buildVisibleGraph(graph, st.collapse, (t) => this.measure(t));
    this.timings.visibleMs = performance.now() - tv;
    if (vis.boxes.length > 300) this.setStatus(`Laying out ${formatInt(vis.boxes.length)} boxes…`);
    const { result, wallMs } = await layoutVisible(vis);
    if (seq !== this.renderSeq) return { layoutMs: wallMs };
    this.vis = vis;
    const cy = this.canvas.cy;
    let keep: { zoom: number; at: { x: number; y: number } } | undefined;
    if (keepView && cy) {
      const zoom = cy.zoom();
      let at = { x: (cy.width() / 2 - cy.pan().x) / zoom, y: (cy.height() / 2 - cy.pan().y) / zoom };
      if (centreOn) {
        const i = vis.boxes.findIndex((b) => b.id === vis.boxOf(centreOn));
        if (i >= 0) at = { x: result.x[i], y: result.y[i] };
      }
      keep = { zoom, at };
    }
    this.timings.layoutMs = wallMs;
    const tr = performance.now();
    this.canvas.render(vis, result, this.palette, this.settings.showEdgeShapes, keep);
    this.inference.afterRender(this.canvas.cy, graph.id);
    if (this.levels.length === 1) this.gradFlow.apply();
    this.timings.cytoscapeMs = performance.now() - tr;
    this.minimap.setGraph(this.canvas.cy!, this.canvas.placed!, this.palette);
    this.setStatus(null);
    this.applyMatches();
    if (this.selected) this.canvas.select(vis.boxOf(this.selected) ?? null);
    return { layoutMs: wallMs };
  }

  private renderBreadcrumb(): void {
    const items: (HTMLElement | string)[] = [];
    this.levels.forEach((lv, i) => {
      if (i > 0) items.push(h('span', { class: 'nl-crumb-sep', 'aria-hidden': 'true' }, '›'));
      const last = i === this.levels.length - 1;
      items.push(h('button', { class: 'nl-crumb' + (last ? ' nl-crumb-current' : ''), disabled: last, 'aria-current': last ? 'page' : undefined, onclick: () => this.goToLevel(i) }, lv.label));
    });
    this.breadcrumb.replaceChildren(...items);
    this.breadcrumb.hidden = this.levels.length < 2;
  }

  private goToLevel(i: number): void {
    this.levels = this.levels.slice(0, i + 1);
    this.resetForGraphChange();
    void this.showCurrent();
  }

  private resetForGraphChange(): void {
    this.selected = null;
    this.details.showHint();
    if (this.heatmap.isOpen) this.heatmap.close();
    this.matches = [];
    this.matchIndex = -1;
    this.runSearch(true);
  }

  private openSubgraph(node: NodeView, attribute: string): void {
    const sg = node.subgraphs.find((s) => s.attribute === attribute);
    if (!sg) return;
    this.levels.push({ graph: sg.graph, label: `${node.name || node.opType} › ${attribute}` });
    this.resetForGraphChange();
    void this.showCurrent();
  }

  private openFunction(node: NodeView): void {
    const fn = this.model?.functions.find((f) => f.id === node.functionId);
    if (!fn) {
      this.showToast(`The body of function ${node.opType} is not in this model.`, true);
      return;
    }
    this.levels.push({ graph: fn, label: `${node.name || node.opType} › ƒ ${fn.name}` });
    this.resetForGraphChange();
    void this.showCurrent();
  }

  /** Double-click: open a subgraph/function body, or expand a collapsed block. */
  private async open(id: string): Promise<void> {
    const st = this.stateFor(this.currentGraph()!);
    const node = st.nodes.get(id);
    if (node) {
      if (node.subgraphs.length) this.openSubgraph(node, node.subgraphs[0].attribute);
      else if (node.functionId) this.openFunction(node);
      return;
    }
    if (this.isGroup(id)) await this.expand(id);
  }

  private isGroup(id: string): boolean {
    const g = this.stateFor(this.currentGraph()!).collapse.grouping;
    return !!g && (g.blocks.some((b) => b.id === id) || g.runs.some((r) => r.id === id));
  }

  private async expand(id: string): Promise<void> {
    const st = this.stateFor(this.currentGraph()!);
    const g = st.collapse.grouping;
    if (!g) return;
    st.collapse.expanded.add(id);
    const run = g.runs.find((r) => r.id === id);
    const block = g.blocks.find((b) => b.id === id);
    const firstNode = run ? g.blocks.find((b) => b.id === run.blockIds[0])!.nodeIds[0] : block?.nodeIds[0];
    if (this.selected === id) this.selected = null;
    await this.showCurrent(true, firstNode);
    if (!this.selected) this.details.showHint();
  }

  private async collapse(blockId: string): Promise<void> {
    const st = this.stateFor(this.currentGraph()!);
    st.collapse.expanded.delete(blockId);
    const run = st.collapse.grouping?.runOfBlock.get(blockId);
    if (run) st.collapse.expanded.delete(run);
    this.selected = blockId;
    await this.showCurrent(true, st.collapse.grouping?.blocks.find((b) => b.id === blockId)?.nodeIds[0]);
    await this.select(run && this.vis?.boxes.some((b) => b.id === run) ? run : blockId);
  }

  private async collapseAll(): Promise<void> {
    const st = this.stateFor(this.currentGraph()!);
    st.collapse.expanded.clear();
    this.selected = null;
    this.details.showHint();
    await this.showCurrent();
  }

  /** Selects a node/terminal/block by id — the same path as a tap. Hidden nodes get their block opened. */
  async select(id: string | null): Promise<void> {
    const graph = this.currentGraph();
    if (!graph || !this.vis) return;
    if (id === null) {
      this.selected = null;
      this.canvas.select(null);
      this.details.showHint();
      return;
    }
    const st = this.stateFor(graph);
    const box = this.vis.boxOf(id);
    if (box !== id && st.nodes.has(id) && st.collapse.grouping) {
      const b = st.collapse.grouping.blockOfNode.get(id);
      if (b) {
        st.collapse.expanded.add(b);
        const r = st.collapse.grouping.runOfBlock.get(b);
        if (r) st.collapse.expanded.add(r);
        await this.showCurrent(true, id);
      }
    }
    this.selected = id;
    this.canvas.select(id);
    const node = st.nodes.get(id);
    if (node) {
      const block = st.collapse.grouping?.blockOfNode.get(id);
      this.details.showNode(node, graph.id, block);
      this.inference.onNodeShown(node.id, graph.id, this.details.el);
      return;
    }
    const term = [...graph.inputs, ...graph.outputs].find((t) => t.id === id);
    if (term) { this.details.showTerminal(term); this.inference.onNodeShown(term.id, graph.id, this.details.el); return; }
    const boxInfo = this.vis.boxes.find((b) => b.id === id);
    if (boxInfo?.members) {
      const members = boxInfo.members.map((m) => st.nodes.get(m)!).filter(Boolean);
      this.details.showGroup(id, boxInfo.line1.replace(/ ⊞$/, ''), members, boxInfo.kind === 'run' ? 'Expand into blocks' : 'Expand block');
    }
  }

  // ---- search ----

  private runSearch(force = false): void {
    const graph = this.currentGraph();
    if (!graph) return;
    const q = this.searchInput.value;
    if (!force && q === this.lastQuery) return;
    this.lastQuery = q;
    this.matches = findMatches(this.stateFor(graph).search, q);
    this.matchIndex = -1;
    this.applyMatches();
  }

  private applyMatches(): void {
    const vis = this.vis;
    if (!vis) return;
    const boxes = new Set<string>();
    for (const m of this.matches) { const b = vis.boxOf(m); if (b) boxes.add(b); }
    const cur = this.matchIndex >= 0 ? vis.boxOf(this.matches[this.matchIndex]) ?? null : null;
    this.canvas.setMatches([...boxes], cur);
    this.searchStatusEl.textContent = searchStatus(this.searchInput.value, Math.max(0, this.matchIndex), this.matches.length);
    if (this.matchIndex < 0 && this.matches.length) this.searchStatusEl.textContent = `${this.matches.length} match${this.matches.length > 1 ? 'es' : ''}`;
  }

  private async stepMatch(dir: number): Promise<void> {
    if (this.searchInput.value !== this.lastQuery || !this.matches.length) {
      this.runSearch();
      if (!this.matches.length) return;
    }
    this.matchIndex = (this.matchIndex + dir + this.matches.length) % this.matches.length;
    const id = this.matches[this.matchIndex];
    await this.select(id);
    this.applyMatches();
    this.canvas.reveal(this.vis?.boxOf(id) ?? id);
  }

  private clearSearch(): void {
    this.searchInput.value = '';
    this.runSearch();
  }

  private focusSearch(): void {
    this.searchInput.focus();
    this.searchInput.select();
  }

  // ---- keyboard, theme, exports ----

  private onKey(e: KeyboardEvent): void {
    const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f') {
      e.preventDefault();
      this.focusSearch();
      return;
    }
    if (e.key === 'Escape') {
      if (this.searchInput.value) this.clearSearch();
      else if (this.heatmap.isOpen) this.heatmap.close();
      else void this.select(null);
      return;
    }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'f') { e.preventDefault(); this.canvas.fit(); }
    else if (e.key === '+' || e.key === '=') this.canvas.zoomBy(1.25);
    else if (e.key === '-') this.canvas.zoomBy(0.8);
  }

  private onTheme(): void {
    this.palette = readPalette();
    this.canvas.restyle(this.palette, this.settings.showEdgeShapes);
    if (this.canvas.cy && this.canvas.placed) this.minimap.setGraph(this.canvas.cy, this.canvas.placed, this.palette);
    this.heatmap.restyle(this.palette);
    this.inference.restyle(this.palette);
  }

  private exportName(ext: string): string {
    const base = (this.model?.summary.fileName ?? 'model').replace(/\.onnx$/i, '');
    const g = this.currentGraph();
    const sub = g && g.id !== this.model?.graph.id ? '-' + (g.name || g.id).replace(/[^\w.-]+/g, '_') : '';
    return `${base}${sub}.${ext}`;
  }

  private exportPng(): void {
    if (!this.canvas.cy) return;
    try {
      post({ type: 'saveExport', format: 'png', data: this.canvas.exportPng(), suggestedName: this.exportName('png') });
    } catch (err) {
      this.showToast(`PNG export failed: ${String(err)}`, true);
    }
  }

  private exportSvg(): void {
    if (!this.canvas.placed) return;
    post({ type: 'saveExport', format: 'svg', data: sceneToSvg(this.canvas.scene()), suggestedName: this.exportName('svg') });
  }

  private measure(text: string): number {
    let w = this.widthCache.get(text);
    if (w === undefined) {
      this.measureCtx.font = `600 12px ${this.palette.fontFamily}`;
      w = this.measureCtx.measureText(text).width;
      if (this.widthCache.size < 50000) this.widthCache.set(text, w);
    }
    return w;
  }

  private setStatus(text: string | null): void {
    this.status.hidden = !text;
    this.status.textContent = text ?? '';
  }

  private toastTimer = 0;
  private showToast(text: string, isError = false): void {
    this.toast.textContent = text;
    this.toast.classList.toggle('nl-toast-error', isError);
    this.toast.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = window.setTimeout(() => { this.toast.hidden = true; }, 5000);
  }

  // ---- test hook ----

  testHook(): NlTestHook {
    return {
      state: () => ({
        ready: this.ready,
        nodeCount: this.vis?.boxes.filter((b) => b.kind === 'node').length ?? 0,
        selected: this.selected,
        zoom: this.canvas.cy?.zoom() ?? 0,
        graphId: this.currentGraph()?.id ?? '',
        boxes: this.vis?.boxes.length ?? 0,
        timings: { ...this.timings },
      }),
      nodeIds: () => this.vis?.boxes.filter((b) => b.kind === 'node').map((b) => b.id) ?? [],
      nodeScreenPosition: (id) => {
        const box = this.vis?.boxOf(id) ?? id;
        const p = this.canvas.renderedPosition(box);
        if (!p) return null;
        const r = this.graphEl.getBoundingClientRect();
        return { x: r.left + p.x, y: r.top + p.y };
      },
      select: (id) => this.select(id),
      cy: () => this.canvas.cy,
    };
  }
}

function errorCard(err: ModelError): HTMLElement {
  return h('div', { id: 'nl-error', class: 'nl-error', role: 'alert', 'data-kind': err.kind },
    h('div', { class: 'nl-error-title' }, 'This model could not be opened'),
    h('p', { class: 'nl-error-message' }, err.message),
    err.hint ? h('p', { class: 'nl-error-hint' }, err.hint) : null);
}

function nextFrame(): Promise<void> {
  return new Promise((r) => requestAnimationFrame(() => r()));
}

function debounce(fn: () => void, ms: number): () => void {
  let t = 0;
  return () => {
    clearTimeout(t);
    t = window.setTimeout(fn, ms);
  };
}
