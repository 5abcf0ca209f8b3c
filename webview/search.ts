/** Search over a graph's nodes and terminals by node name, op type or tensor name. Pure. */
import type { GraphView } from '../shared/protocol';

export interface SearchItem {
  id: string;
  /** Lower-cased text fields, matched as substrings. */
  name: string;
  opType: string;
  tensors: string[];
}

export function searchIndex(graph: GraphView): SearchItem[] {
  const items: SearchItem[] = [];
  for (const t of graph.inputs) items.push({ id: t.id, name: t.tensor.name.toLowerCase(), opType: '', tensors: [t.tensor.name.toLowerCase()] });
  for (const nd of graph.nodes) {
    const tensors: string[] = [];
    for (const p of nd.inputs) if (p.tensor) tensors.push(p.tensor.toLowerCase());
    for (const p of nd.outputs) if (p.tensor) tensors.push(p.tensor.toLowerCase());
    items.push({ id: nd.id, name: nd.name.toLowerCase(), opType: nd.opType.toLowerCase(), tensors });
  }
  for (const t of graph.outputs) items.push({ id: t.id, name: t.tensor.name.toLowerCase(), opType: '', tensors: [t.tensor.name.toLowerCase()] });
  return items;
}

/**
 * Ids of items matching `query`, in graph order. A query that is exactly an op type present
 * in the graph ("relu", "Conv") finds the nodes of that op only — not ConvTranspose, and not
 * nodes whose tensors happen to be named after it ("relu1_out"). Anything else matches as a
 * case-insensitive substring of a node's name, op type or tensor names.
 */
export function findMatches(items: SearchItem[], query: string): string[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  if (items.some((it) => it.opType === q)) return items.filter((it) => it.opType === q).map((it) => it.id);
  return items
    .filter((it) => it.opType.includes(q) || it.name.includes(q) || it.tensors.some((t) => t.includes(q)))
    .map((it) => it.id);
}

/** "3 of 12", "0 of 0" → "No matches", "" when no query. */
export function searchStatus(query: string, current: number, total: number): string {
  if (!query.trim()) return '';
  if (total === 0) return 'No matches';
  return `${current + 1} of ${total}`;
}
