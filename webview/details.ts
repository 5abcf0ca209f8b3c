/**
 * Side panel: everything about the selected node (or terminal, or collapsed block).
 * Weight statistics are requested lazily from the host and cached per tensor.
 */
import type { NodeView, PortView, TensorInfo, TensorStats, TerminalView, ToWebview, WeightView } from '../shared/protocol';
import { clear, h } from './dom';
import { formatInt, formatShape, formatValue, isNumericType } from './format';
import { CATEGORY_LABELS, opCategory } from './graph/categories';
import { post, requestId } from './vscode';

export interface DetailsActions {
  openHeatmap(tensor: string): void;
  openSubgraph(node: NodeView, attribute: string): void;
  openFunction(node: NodeView): void;
  expand(boxId: string): void;
  collapse(blockId: string): void;
  selectTensorProducer?(tensor: string): void;
}

export class DetailsPanel {
  readonly el = h('aside', { id: 'nl-details', class: 'nl-details', 'aria-label': 'Node details' });
  private stats = new Map<string, TensorStats>();
  private pending = new Map<number, { graphId: string; tensors: string[] }>();
  private shownGraph = '';

  constructor(private actions: DetailsActions) {
    this.showHint();
  }

  showHint(): void {
    delete this.el.dataset.nodeId;
    this.el.replaceChildren(h('p', { class: 'nl-hint' }, 'Click a node to see its attributes, inputs, outputs and weights. Double-click a ⊞ box to open it.'));
  }

  showNode(node: NodeView, graphId: string, blockId?: string): void {
    this.shownGraph = graphId;
    this.el.dataset.nodeId = node.id;
    const cat = opCategory(node.opType, { unknownOp: node.unknownOp, functionCall: !!node.functionId });
    const sections: (HTMLElement | null)[] = [];
    sections.push(h('div', { class: 'nl-details-head' },
      h('div', { class: 'nl-details-op' }, node.opType, node.domain ? h('span', { class: 'nl-badge' }, node.domain) : null),
      h('div', { class: 'nl-details-sub' }, CATEGORY_LABELS[cat] + (node.unknownOp ? ' — not defined by ONNX or a known domain' : '')),
      node.name ? h('div', { class: 'nl-details-name', title: node.name }, node.name) : null));
    const actions: HTMLElement[] = [];
    for (const sg of node.subgraphs) {
      actions.push(h('button', { class: 'nl-button', onclick: () => this.actions.openSubgraph(node, sg.attribute) }, `Open ${sg.attribute} (${sg.graph.nodes.length} nodes)`));
    }
    if (node.functionId) actions.push(h('button', { class: 'nl-button', onclick: () => this.actions.openFunction(node) }, 'Open function body'));
    if (blockId) actions.push(h('button', { class: 'nl-button nl-secondary', onclick: () => this.actions.collapse(blockId) }, 'Collapse block'));
    if (actions.length) sections.push(h('div', { class: 'nl-actions' }, ...actions));
    if (node.docString) sections.push(section('Documentation', h('p', { class: 'nl-doc' }, node.docString)));
    if (node.attributes.length) {
      sections.push(section('Attributes', table(node.attributes.map((a) => [a.name, h('span', { title: a.type }, a.value)]))));
    }
    sections.push(section('Inputs', ports(node.inputs)));
    sections.push(section('Outputs', ports(node.outputs)));
    if (node.weights.length) {
      sections.push(section(`Weights · ${formatInt(node.parameterCount)} parameters`, h('div', { class: 'nl-weights' }, ...node.weights.map((w) => this.weightRow(w)))));
      this.requestStats(graphId, node.weights.map((w) => w.name));
    }
    this.el.replaceChildren(...sections.filter((s): s is HTMLElement => !!s));
    this.el.scrollTop = 0;
  }

  showTerminal(t: TerminalView): void {
    this.el.dataset.nodeId = t.id;
    this.el.replaceChildren(
      h('div', { class: 'nl-details-head' },
        h('div', { class: 'nl-details-op' }, t.kind === 'input' ? 'Graph input' : 'Graph output'),
        h('div', { class: 'nl-details-name', title: t.tensor.name }, t.tensor.name)),
      section('Tensor', tensorTable(t.tensor)));
  }

  showGroup(id: string, title: string, members: NodeView[], expandLabel: string): void {
    this.el.dataset.nodeId = id;
    const counts = new Map<string, number>();
    let params = 0;
    for (const m of members) { counts.set(m.opType, (counts.get(m.opType) ?? 0) + 1); params += m.parameterCount; }
    this.el.replaceChildren(
      h('div', { class: 'nl-details-head' },
        h('div', { class: 'nl-details-op' }, title),
        h('div', { class: 'nl-details-sub' }, `${formatInt(members.length)} nodes · ${formatInt(params)} parameters (collapsed)`)),
      h('div', { class: 'nl-actions' }, h('button', { class: 'nl-button', onclick: () => this.actions.expand(id) }, expandLabel)),
      section('Ops', table([...counts].sort((a, b) => b[1] - a[1]).map(([op, n]) => [op, formatInt(n)]))),
      section('First nodes', h('ul', { class: 'nl-list' }, ...members.slice(0, 12).map((m) => h('li', {}, `${m.opType}  ${m.name}`)))));
  }

  private weightRow(w: WeightView): HTMLElement {
    const stats = h('div', { class: 'nl-weight-stats' }, this.statsText(w.name) ?? 'statistics loading…');
    const numeric = isNumericType(w.elemType);
    const button = h('button', {
      class: 'nl-open-heatmap nl-button nl-small',
      disabled: !numeric,
      title: numeric ? 'Open a heatmap of this weight' : 'Heatmaps need numeric weights',
      onclick: () => this.actions.openHeatmap(w.name),
    }, 'Open heatmap');
    return h('div', { class: 'nl-weight', 'data-tensor': w.name },
      h('div', { class: 'nl-weight-head' },
        h('span', { class: 'nl-weight-name', title: w.name }, w.name),
        w.external ? h('span', { class: 'nl-badge', title: 'Stored in an external data file' }, 'external') : null),
      h('div', { class: 'nl-weight-meta' }, `${w.elemType} [${formatShape(w.shape)}] · ${formatInt(w.elementCount)} elements`),
      stats,
      button);
  }

  private statsText(tensor: string): string | null {
    const s = this.stats.get(this.shownGraph + '\u0000' + tensor);
    if (!s) return null;
    const parts = [`min ${formatValue(s.min)}`, `max ${formatValue(s.max)}`, `mean ${formatValue(s.mean)}`, `std ${formatValue(s.std)}`];
    if (s.zeros) parts.push(`zeros ${formatInt(s.zeros)}`);
    if (s.nanCount) parts.push(`NaN ${formatInt(s.nanCount)}`);
    if (s.infCount) parts.push(`Inf ${formatInt(s.infCount)}`);
    return parts.join(' · ');
  }

  private requestStats(graphId: string, tensors: string[]): void {
    const missing = tensors.filter((t) => !this.stats.has(graphId + '\u0000' + t));
    if (!missing.length) return;
    const id = requestId();
    this.pending.set(id, { graphId, tensors: missing });
    post({ type: 'requestWeightStats', requestId: id, graphId, tensors: missing });
  }

  receiveStats(msg: Extract<ToWebview, { type: 'weightStats' }>): void {
    const req = this.pending.get(msg.requestId);
    if (!req) return;
    this.pending.delete(msg.requestId);
    for (const [t, s] of Object.entries(msg.stats ?? {})) this.stats.set(msg.graphId + '\u0000' + t, s);
    if (msg.graphId !== this.shownGraph) return;
    for (const t of req.tensors) {
      const row = this.el.querySelector(`.nl-weight[data-tensor="${CSS.escape(t)}"] .nl-weight-stats`);
      if (!row) continue;
      row.textContent = this.statsText(t) ?? (msg.error ? `statistics unavailable: ${msg.error}` : 'statistics unavailable');
    }
  }

  clearCache(): void {
    this.stats.clear();
    this.pending.clear();
    clear(this.el);
    this.showHint();
  }
}

function section(title: string, body: HTMLElement): HTMLElement {
  return h('section', { class: 'nl-section' }, h('h3', {}, title), body);
}

function table(rows: [string, string | HTMLElement][]): HTMLElement {
  return h('table', { class: 'nl-table' }, h('tbody', {}, ...rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v)))));
}

function ports(ps: PortView[]): HTMLElement {
  if (!ps.length) return h('p', { class: 'nl-hint' }, 'none');
  return h('table', { class: 'nl-table nl-ports' }, h('tbody', {}, ...ps.map((p) =>
    h('tr', {},
      h('th', { scope: 'row' }, p.slot),
      h('td', {},
        h('div', { class: 'nl-tensor-name', title: p.tensor }, p.tensor || '(omitted)', p.isWeight ? h('span', { class: 'nl-badge' }, 'weight') : null),
        h('div', { class: 'nl-tensor-type' }, `${p.elemType ?? '?'} [${formatShape(p.shape)}]`))))));
}

function tensorTable(t: TensorInfo): HTMLElement {
  return table([['name', t.name], ['type', t.elemType], ['shape', formatShape(t.shape)], ['rank', t.shape ? String(t.shape.length) : 'unknown']]);
}
