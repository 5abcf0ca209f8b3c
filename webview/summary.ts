/** Model summary header and warnings banner. */
import type { GraphViewModel, TensorInfo } from '../shared/protocol';
import { h } from './dom';
import { formatBytes, formatInt, formatShape } from './format';

const TOP_OPS = 8;

export function renderSummary(model: GraphViewModel): HTMLElement {
  const s = model.summary;
  const opsets = s.opsetImports.map((o) => `${o.domain || 'ai.onnx'} v${o.version}`).join(', ') || '—';
  const fact = (label: string, value: string, title?: string) =>
    h('span', { class: 'nl-fact', title }, h('span', { class: 'nl-fact-label' }, label), ' ', h('span', { class: 'nl-fact-value' }, value));
  const tensor = (t: TensorInfo) =>
    h('span', { class: 'nl-io', title: `${t.name}: ${t.elemType} ${formatShape(t.shape)}` },
      h('span', { class: 'nl-io-name' }, t.name), ' ', h('span', { class: 'nl-io-shape' }, `${t.elemType}[${formatShape(t.shape)}]`));

  const ops = Object.entries(s.opCounts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const max = ops.length ? ops[0][1] : 1;
  const chip = ([op, n]: [string, number]) => h('span', { class: 'nl-op-chip', title: `${n} × ${op}` }, op, h('span', { class: 'nl-op-count' }, formatInt(n)));
  const opHist = h('details', { class: 'nl-op-hist' },
    h('summary', {}, h('span', { class: 'nl-fact-label' }, 'Ops '), ...ops.slice(0, TOP_OPS).map(chip), ops.length > TOP_OPS ? h('span', { class: 'nl-more' }, `+${ops.length - TOP_OPS} more`) : null),
    h('div', { class: 'nl-op-table' }, ...ops.map(([op, n]) =>
      h('div', { class: 'nl-op-row' },
        h('span', { class: 'nl-op-name' }, op),
        h('span', { class: 'nl-op-bar-wrap' }, h('span', { class: 'nl-op-bar', style: `width:${Math.max(2, (n / max) * 100).toFixed(1)}%` })),
        h('span', { class: 'nl-op-n' }, formatInt(n))))));

  const producer = s.producer || 'unknown producer';
  return h('header', { id: 'nl-summary', class: 'nl-summary', 'data-node-count': s.nodeCount, 'data-param-count': s.parameterCount },
    h('div', { class: 'nl-summary-row' },
      h('span', { class: 'nl-file', title: s.docString || s.fileName }, s.fileName),
      fact('', producer),
      fact('IR', String(s.irVersion)),
      fact('opset', opsets),
      fact('nodes', formatInt(s.nodeCount), s.nodeCountWithSubgraphs !== s.nodeCount ? `${formatInt(s.nodeCountWithSubgraphs)} including subgraphs` : undefined),
      fact('params', formatInt(s.parameterCount)),
      s.fileSize ? fact('size', formatBytes(s.fileSize)) : null),
    h('div', { class: 'nl-summary-row nl-io-row' },
      h('span', { class: 'nl-fact-label' }, 'inputs'), ...s.inputs.map(tensor),
      h('span', { class: 'nl-fact-label nl-sep' }, 'outputs'), ...s.outputs.map(tensor)),
    ops.length ? opHist : null);
}

export function renderWarnings(warnings: string[]): HTMLElement | null {
  if (!warnings.length) return null;
  const first = warnings.slice(0, 2);
  const rest = warnings.slice(2);
  return h('div', { class: 'nl-warnings', role: 'status' },
    h('span', { class: 'nl-warn-icon', 'aria-hidden': 'true' }, '⚠'),
    h('div', { class: 'nl-warn-list' },
      ...first.map((w) => h('div', {}, w)),
      rest.length ? h('details', {}, h('summary', {}, `${rest.length} more warning${rest.length > 1 ? 's' : ''}`), ...rest.map((w) => h('div', {}, w))) : null));
}
