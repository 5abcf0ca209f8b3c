// The model summary as Markdown ("Show Model Summary" command).
import type { ModelSummary, TensorInfo } from '../../shared/protocol';
import { formatBytes, formatCount, formatShape } from './format';

function tensorRow(t: TensorInfo): string {
  return `| \`${t.name}\` | ${t.elemType} | ${formatShape(t.shape) || '?'} |`;
}

export function formatSummary(s: ModelSummary): string {
  const lines: string[] = [`# ${s.fileName}`, ''];
  const facts: [string, string][] = [
    ['File size', formatBytes(s.fileSize)],
    ['Producer', s.producer || '—'],
    ['IR version', String(s.irVersion)],
    ['Opsets', s.opsetImports.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ') || '—'],
    ['Nodes', s.nodeCountWithSubgraphs !== s.nodeCount ? `${formatCount(s.nodeCount)} (${formatCount(s.nodeCountWithSubgraphs)} with subgraphs)` : formatCount(s.nodeCount)],
    ['Parameters', formatCount(s.parameterCount)],
  ];
  if (s.domain) facts.push(['Domain', s.domain]);
  if (s.modelVersion) facts.push(['Model version', String(s.modelVersion)]);
  lines.push('| | |', '|---|---|', ...facts.map(([k, v]) => `| ${k} | ${v} |`), '');
  if (s.docString) lines.push(s.docString, '');
  for (const [title, list] of [['Inputs', s.inputs], ['Outputs', s.outputs]] as const) {
    lines.push(`## ${title}`, '', '| Name | Type | Shape |', '|---|---|---|', ...list.map(tensorRow), '');
  }
  const ops = Object.entries(s.opCounts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  lines.push('## Operators', '', '| Operator | Count |', '|---|---:|', ...ops.map(([op, n]) => `| ${op} | ${formatCount(n)} |`), '');
  const meta = Object.entries(s.metadata);
  if (meta.length) lines.push('## Metadata', '', '| Key | Value |', '|---|---|', ...meta.map(([k, v]) => `| ${k} | ${v} |`), '');
  return lines.join('\n');
}
