// `neural-lens inspect MODEL [--json]`: what is in a model, without opening VS Code.
import fs from 'node:fs';
import path from 'node:path';
import type { Dim, ModelSummary, TensorInfo } from '../../shared/protocol';
import { buildSummary } from '../graph/buildGraphView';
import { formatBytes, formatCount, formatShape } from '../graph/format';
import { readModelFile } from '../onnx/reader';
import { unknownOpWarnings } from '../graph/buildGraphView';
import { parseArgs } from './args';

export const summary = 'Print a model\'s inputs, outputs, operators and parameter count.';
export const usage = `Usage: neural-lens inspect MODEL [--json]

Reads an ONNX model and prints its inputs and outputs (with shapes), operator counts,
parameter count and opsets.

Options:
  --json    Print one JSON object instead of the readable summary.
  --help    Show this help.`;

/** A tensor in the --json output; shape is null when the rank is unknown. */
export interface InspectTensor {
  name: string;
  elemType: string;
  shape: Dim[] | null;
}

/** The --json output. */
export interface InspectResult {
  file: string;
  fileSize: number;
  irVersion: number;
  producer: string;
  opsetImports: { domain: string; version: number }[];
  nodeCount: number;
  nodeCountWithSubgraphs: number;
  opCounts: Record<string, number>;
  inputs: InspectTensor[];
  outputs: InspectTensor[];
  parameterCount: number;
  warnings: string[];
}

function plainTensor(t: TensorInfo): InspectTensor {
  return { name: t.name, elemType: t.elemType, shape: t.shape ?? null };
}

export async function inspectModel(file: string): Promise<InspectResult> {
  const model = await readModelFile(file);
  const size = fs.statSync(file).size;
  const s: ModelSummary = buildSummary(model, { fileName: path.basename(file), fileSize: size });
  return {
    file: path.basename(file),
    fileSize: size,
    irVersion: s.irVersion,
    producer: s.producer,
    opsetImports: s.opsetImports,
    nodeCount: s.nodeCount,
    nodeCountWithSubgraphs: s.nodeCountWithSubgraphs,
    opCounts: s.opCounts,
    inputs: s.inputs.map(plainTensor),
    outputs: s.outputs.map(plainTensor),
    parameterCount: s.parameterCount,
    warnings: [...model.warnings, ...unknownOpWarnings(model)],
  };
}

function table(rows: string[][], indent = '  '): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i].length))) ?? [];
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

export function formatInspect(r: InspectResult): string {
  const out: string[] = [];
  const facts: string[][] = [
    ['Model', `${r.file} (${formatBytes(r.fileSize)})`],
    ['Producer', r.producer || '—'],
    ['IR version', String(r.irVersion)],
    ['Opsets', r.opsetImports.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ') || '—'],
    ['Nodes', r.nodeCountWithSubgraphs !== r.nodeCount ? `${formatCount(r.nodeCount)} (${formatCount(r.nodeCountWithSubgraphs)} with subgraphs)` : formatCount(r.nodeCount)],
    ['Parameters', formatCount(r.parameterCount)],
  ];
  out.push(...table(facts, ''));
  const tensors = (title: string, list: InspectTensor[]) => {
    out.push('', `${title} (${list.length})`);
    if (list.length) out.push(...table(list.map((t) => [t.name, t.elemType, formatShape(t.shape ?? undefined) || '?'])));
  };
  tensors('Inputs', r.inputs);
  tensors('Outputs', r.outputs);
  const ops = Object.entries(r.opCounts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  out.push('', `Operators (${ops.length} types)`);
  if (ops.length) {
    const rows = ops.map(([op, n]) => [op, formatCount(n)]);
    const w = Math.max(...rows.map((x) => x[1].length));
    out.push(...table(rows.map(([op, n]) => [op, n.padStart(w)])));
  }
  if (r.warnings.length) {
    out.push('', `Warnings (${r.warnings.length})`);
    for (const w of r.warnings) out.push(`  ${w}`);
  }
  return out.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { options: { json: 'boolean' }, positionals: ['MODEL'] }, 'inspect');
  const result = await inspectModel(args.positionals[0]);
  process.stdout.write(args.options.json ? `${JSON.stringify(result)}\n` : `${formatInspect(result)}\n`);
  return 0;
}
