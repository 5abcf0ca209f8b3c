// `neural-lens run MODEL --input NAME=FILE … --out DIR --backend engine`: runs the engine's
// forward and writes every output as DIR/<sanitized output name>.npy.

import path from 'node:path';
import { parseArgs, UsageError, CliError } from './args';
import fs from 'node:fs';
import { readTensorFile, writeTensorNpy } from './tensorIO';
import { readNpyTensor } from '../datasets/npy';
import { readModelFileSync } from '../onnx/reader';
import { graphFromModel, unsupportedOps } from '../engine/graph';
import { Executor } from '../engine/executor';
import { cpuBackend } from '../engine/cpu/backend';
import { setGemmThreads } from '../engine/cpu/gemm';
import { tensorFromHost, toHost } from '../engine/bridge';
import type { Tensor } from '../engine/tensor';

export const summary = 'run a model forward with the built-in engine and write outputs as .npy';
export const usage = `Usage: neural-lens run MODEL --input NAME=FILE [--input NAME=FILE …] --out DIR [--backend engine] [--threads N]
  Inputs are .npy or ONNX TensorProto .pb files; with one model input, FILE alone is enough.`;

export async function run(argv: string[]): Promise<number> {
  const inputs: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--input') { if (argv[i + 1] === undefined) throw new UsageError('run: option --input needs a value.'); inputs.push(argv[++i]); }
    else if (argv[i].startsWith('--input=')) inputs.push(argv[i].slice(8));
    else rest.push(argv[i]);
  }
  const { options: o, positionals } = parseArgs(rest, { options: { out: 'string', backend: 'string', threads: 'number' }, positionals: ['MODEL'] }, 'run');
  if (!o.out) throw new UsageError('run: --out DIR is required (see --help).');
  const backend = String(o.backend ?? 'engine');
  if (backend !== 'engine') throw new UsageError(`run: --backend ${backend} is not available here (use --backend engine).`);
  if (o.threads !== undefined) setGemmThreads(Number(o.threads));
  const model = readModelFileSync(positionals[0]);
  const graph = graphFromModel(model);
  const missing = unsupportedOps(graph);
  if (missing.length) throw new CliError(`run: ${missing[0]}.`);
  const feeds = new Map<string, Tensor>();
  for (const spec of inputs) {
    const eq = spec.indexOf('=');
    const name = eq > 0 ? spec.slice(0, eq) : graph.inputs.length === 1 ? graph.inputs[0].name : '';
    if (!name) throw new UsageError(`run: --input "${spec}" needs the form NAME=FILE (inputs: ${graph.inputs.map((i) => i.name).join(', ')}).`);
    if (!graph.inputs.some((i) => i.name === name)) throw new UsageError(`run: the model has no input "${name}" (inputs: ${graph.inputs.map((i) => i.name).join(', ')}).`);
    const file = eq > 0 ? spec.slice(eq + 1) : spec;
    if (!fs.existsSync(file)) throw new CliError(`run: input file ${file} does not exist.`);
    feeds.set(name, file.toLowerCase().endsWith('.npy') ? readNpyTensor(fs.readFileSync(file), file) : tensorFromHost(readTensorFile(file), name));
  }
  for (const i of graph.inputs) if (!feeds.has(i.name)) throw new UsageError(`run: missing --input ${i.name}=FILE.`);
  const outs = new Executor(graph, cpuBackend()).run(feeds);
  for (const [name, t] of outs) {
    const file = writeTensorNpy(String(o.out), name, toHost(t));
    process.stdout.write(`${name} [${t.shape.join(',')}] ${t.dtype} → ${path.join(String(o.out), file)}\n`);
  }
  return 0;
}
