/**
 * What the graph canvas draws for one GraphView under the current collapse state:
 * boxes (nodes, terminals, collapsed blocks and runs of blocks) and the edges
 * between them, merged where collapsing joins them. Pure; text width is measured
 * by an injected function (canvas in the browser, an estimate in Node).
 */
import type { GraphView, NodeView } from '../../shared/protocol';
import { formatCompact, formatInt, formatShape, middleEllipsis, shortNodeName } from '../format';
import { commonNamePrefix, type Grouping } from './blocks';
import { opCategory, type OpCategory } from './categories';

export type BoxKind = 'node' | 'input' | 'output' | 'block' | 'run';

export interface Box {
  id: string;
  kind: BoxKind;
  line1: string;
  line2: string;
  cat: OpCategory;
  w: number;
  h: number;
  /** Has subgraphs, a function body, or collapsed members. */
  expandable: boolean;
  /** Node ids inside a block/run. */
  members?: string[];
}

export interface VisEdge {
  id: string;
  source: string;
  target: string;
  label: string;
  tensors: string[];
}

export interface VisibleGraph {
  boxes: Box[];
  edges: VisEdge[];
  /** Box showing a node id (itself, or the block/run hiding it). */
  boxOf(id: string): string | undefined;
}

export type Measure = (text: string) => number;

/** A rough text width for Node (bench/tests): 7 px per character at 12 px. */
export const estimateWidth: Measure = (t) => t.length * 7;

export const EXPAND_MARK = ' ⊞';

export interface CollapseState {
  grouping: Grouping | null;
  /** Ids of blocks/runs the user opened. */
  expanded: Set<string>;
  /** Show runs of identical blocks as one box (second level of detail). */
  useRuns: boolean;
}

export function nodeBox(nd: NodeView, measure: Measure): Box {
  const expandable = nd.subgraphs.length > 0 || !!nd.functionId;
  const line1 = nd.opType + (expandable ? EXPAND_MARK : '');
  const line2 = shortNodeName(nd.name, nd.opType);
  return sized({ id: nd.id, kind: 'node', line1, line2, cat: opCategory(nd.opType, { unknownOp: nd.unknownOp, functionCall: !!nd.functionId }), w: 0, h: 0, expandable }, measure);
}

function sized(b: Box, measure: Measure): Box {
  const text = Math.max(measure(b.line1), b.line2 ? measure(b.line2) : 0);
  const pad = b.kind === 'input' || b.kind === 'output' ? 30 : b.kind === 'node' ? 22 : 30;
  b.w = Math.max(b.kind === 'node' ? 64 : 80, Math.ceil(text + pad));
  b.h = b.kind === 'block' || b.kind === 'run' ? 46 : b.line2 ? 40 : 28;
  if (b.kind === 'input' || b.kind === 'output') b.h = 36;
  return b;
}

export function buildVisibleGraph(graph: GraphView, state: CollapseState, measure: Measure): VisibleGraph {
  const { grouping, expanded, useRuns } = state;
  const byId = new Map<string, NodeView>();
  for (const nd of graph.nodes) byId.set(nd.id, nd);
  const mapId = (id: string): string => {
    if (!grouping) return id;
    const b = grouping.blockOfNode.get(id);
    if (!b || expanded.has(b)) return id;
    const r = useRuns ? grouping.runOfBlock.get(b) : undefined;
    return r && !expanded.has(r) ? r : b;
  };
  const boxes: Box[] = [];
  const made = new Set<string>();
  const blockById = new Map(grouping?.blocks.map((b) => [b.id, b]) ?? []);
  const runById = new Map(grouping?.runs.map((r) => [r.id, r]) ?? []);

  for (const t of graph.inputs) {
    boxes.push(sized({ id: t.id, kind: 'input', line1: middleEllipsis(t.tensor.name, 32), line2: formatShape(t.tensor.shape), cat: 'math', w: 0, h: 0, expandable: false }, measure));
  }
  for (const nd of graph.nodes) {
    const id = mapId(nd.id);
    if (made.has(id)) continue;
    made.add(id);
    if (id === nd.id) { boxes.push(nodeBox(nd, measure)); continue; }
    const run = runById.get(id);
    const blocks = run ? run.blockIds.map((b) => blockById.get(b)!) : [blockById.get(id)!];
    const members = blocks.flatMap((b) => b.nodeIds);
    const first = blocks[0];
    const params = blocks.reduce((a, b) => a + b.params, 0);
    const prefix = run ? commonNamePrefix(members.map((m) => byId.get(m)!.name)) : first.prefix;
    const title = prefix ? lastComponents(prefix) : opsTitle(first.ops);
    const line1 = (run ? `${blocks.length / run.period} × ` : '') + title + EXPAND_MARK;
    const line2 = run
      ? `${opsTitle(run.period > 1 ? [...new Set(blocks.slice(0, run.period).flatMap((b) => b.ops))] : first.ops)} · ${formatInt(members.length)} nodes`
      : `${members.length} nodes${params ? ' · ' + formatCompact(params) + ' params' : ''}`;
    const heavy = members.map((m) => byId.get(m)!).find((m) => opCategory(m.opType) === 'linear');
    const cat = opCategory((heavy ?? byId.get(members[0])!).opType);
    boxes.push(sized({ id, kind: run ? 'run' : 'block', line1, line2, cat, w: 0, h: 0, expandable: true, members }, measure));
  }
  for (const t of graph.outputs) {
    boxes.push(sized({ id: t.id, kind: 'output', line1: middleEllipsis(t.tensor.name, 32), line2: formatShape(t.tensor.shape), cat: 'math', w: 0, h: 0, expandable: false }, measure));
  }

  const edges: VisEdge[] = [];
  const merged = new Map<string, VisEdge>();
  // a tensor fanning out to several consumers is labelled once, on its first edge
  const labelled = new Set<string>();
  for (const e of graph.edges) {
    const s = mapId(e.source), t = mapId(e.target);
    if (s === t) continue;
    if (s === e.source && t === e.target) {
      const key = s + '\u0000' + e.tensor;
      const label = labelled.has(key) ? '' : e.label;
      labelled.add(key);
      edges.push({ id: e.id, source: s, target: t, label, tensors: [e.tensor] });
      continue;
    }
    const key = s + '\u0000' + t;
    const m = merged.get(key);
    if (m) {
      if (!m.tensors.includes(e.tensor)) {
        m.tensors.push(e.tensor);
        m.label = `${m.tensors.length} tensors`;
      }
      continue;
    }
    const ve: VisEdge = { id: `${s}->${t}`, source: s, target: t, label: e.label, tensors: [e.tensor] };
    merged.set(key, ve);
    edges.push(ve);
  }
  return { boxes, edges, boxOf: (id) => (byId.has(id) ? mapId(id) : id) };
}

function opsTitle(ops: string[]): string {
  const short = ops.map((o) => (o === 'BatchNormalization' ? 'BatchNorm' : o === 'LayerNormalization' ? 'LayerNorm' : o));
  return short.length > 4 ? short.slice(0, 4).join(' · ') + ' …' : short.join(' · ');
}

function lastComponents(prefix: string): string {
  const parts = prefix.split('/').filter(Boolean);
  return middleEllipsis(parts.slice(-2).join('/') || prefix, 36);
}
