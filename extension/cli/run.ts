// `neural-lens run MODEL --input NAME=FILE … --out DIR [--backend ort|engine] [--activations]`:
// runs the model through ONNX Runtime (default) or the built-in engine and writes every output
// as DIR/<sanitized output name>.npy; with --activations every intermediate tensor too, plus
// DIR/index.json mapping node names and output names to files.

import path from 'node:path';
import fs from 'node:fs';
import { parseArgs, UsageError, CliError } from './args';
import { readTensorFile, writeTensorNpy } from './tensorIO';
import { readModelFileSync } from '../onnx/reader';
import type { HostTensor } from '../inference/types';

export const summary = 'run a model (ONNX Runtime or the built-in engine) and write outputs as .npy';
export const usage = `Usage: neural-lens run MODEL --input NAME=FILE [--input NAME=FILE …] --out DIR [--backend ort|engine] [--provider auto|cpu|cuda] [--activations] [--threads N]
  Inputs are .npy or ONNX TensorProto .pb files; with one model input, FILE alone is enough.
  --backend ort      ONNX Runtime (default): CUDA when usable, else CPU; NEURAL_LENS_ORT_DIR=FOLDER
                     uses the onnxruntime-node install there (e.g. one with the CUDA provider)
  --backend engine   the built-in engine (JS/native CPU)
  --provider P       ONNX Runtime's execution provider: auto (default: CUDA when usable, else CPU),
                     cpu, or cuda (stops with the reason when CUDA cannot be used)
  --activations      also write every intermediate node output, and DIR/index.json mapping
                     node names and output names to files`;

interface IndexNode { node: string; opType: string; outputs: { name: string; file: string; shape: number[]; dtype: string }[] }

export async function run(argv: string[]): Promise<number> {
  const inputs: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--input') { if (argv[i + 1] === undefined) throw new UsageError('run: option --input needs a value.'); inputs.push(argv[++i]); }
    else if (argv[i].startsWith('--input=')) inputs.push(argv[i].slice(8));
    else rest.push(argv[i]);
  }
  const { options: o, positionals } = parseArgs(rest, { options: { out: 'string', backend: 'string', provider: 'string', threads: 'number', activations: 'boolean' }, positionals: ['MODEL'] }, 'run');
  if (!o.out) throw new UsageError('run: --out DIR is required (see --help).');
  const backend = String(o.backend ?? 'ort');
  if (backend !== 'engine' && backend !== 'ort') throw new UsageError(`run: --backend must be ort or engine, not "${backend}".`);
  const provider = String(o.provider ?? 'auto');
  if (provider !== 'auto' && provider !== 'cpu' && provider !== 'cuda') throw new UsageError(`run: --provider must be auto, cpu or cuda, not "${provider}".`);
  if (o.provider !== undefined && backend !== 'ort') throw new UsageError('run: --provider applies to --backend ort (ONNX Runtime) only.');
  const out = String(o.out);
  const modelPath = positionals[0];
  const model = readModelFileSync(modelPath);
  const initNames = new Set(model.graph.initializers.keys());
  const modelInputs = model.graph.inputs.filter((v) => !initNames.has(v.name)).map((v) => v.name);

  const feeds: Record<string, HostTensor> = {};
  for (const spec of inputs) {
    const eq = spec.indexOf('=');
    const name = eq > 0 ? spec.slice(0, eq) : modelInputs.length === 1 ? modelInputs[0] : '';
    if (!name) throw new UsageError(`run: --input "${spec}" needs the form NAME=FILE (inputs: ${modelInputs.join(', ')}).`);
    if (!modelInputs.includes(name)) throw new UsageError(`run: the model has no input "${name}" (inputs: ${modelInputs.join(', ')}).`);
    const file = eq > 0 ? spec.slice(eq + 1) : spec;
    if (!fs.existsSync(file)) throw new CliError(`run: input file ${file} does not exist.`);
    const { name: _n, ...t } = readTensorFile(file);
    feeds[name] = t;
  }
  for (const i of modelInputs) if (!feeds[i]) throw new UsageError(`run: missing --input ${i}=FILE.`);

  const activations = !!o.activations;
  let outputs: Record<string, HostTensor>;
  let values: Record<string, HostTensor> = {};
  const skipped: { outputName: string; reason: string }[] = [];
  let note = '';
  if (backend === 'ort') {
    const { runOrt, setOrtThreads } = await import('../inference');
    if (o.threads !== undefined) setOrtThreads(Number(o.threads));
    const res = await runOrt(modelPath, feeds, { activations, provider });
    outputs = res.outputs;
    for (const a of res.activations ?? []) values[a.outputName] = a.tensor;
    skipped.push(...(res.skippedActivations ?? []));
    note = `onnxruntime ${res.ortVersion}, ${res.provider.toUpperCase()} (${res.providerReason}), ${res.latencyMs.toFixed(2)} ms`;
  } else {
    const { setGemmThreads } = await import('../engine/cpu/gemm');
    if (o.threads !== undefined) setGemmThreads(Number(o.threads));
    const { runEngine } = await import('../inference/engineRun');
    const { InferenceError } = await import('../inference/types');
    try {
      const res = runEngine(modelPath, feeds);
      outputs = res.outputs;
      values = res.values;
      note = `engine, ${res.ms.toFixed(2)} ms`;
    } catch (e) {
      throw e instanceof InferenceError ? new CliError(`run: ${e.message}`) : e;
    }
  }

  const written = new Map<string, string>();
  const write = (name: string, t: HostTensor) => {
    let file = written.get(name);
    if (!file) { file = writeTensorNpy(out, name, t); written.set(name, file); }
    return file;
  };
  for (const [name, t] of Object.entries(outputs)) {
    const file = write(name, t);
    process.stdout.write(`${name} [${t.dims.join(',')}] ${t.elemType} → ${path.join(out, file)}\n`);
  }
  if (activations) {
    const nodes: IndexNode[] = [];
    const tensors: Record<string, string> = {};
    model.graph.nodes.forEach((n, i) => {
      const entry: IndexNode = { node: n.name || `${n.opType}_${i}`, opType: n.opType, outputs: [] };
      for (const name of n.outputs) {
        const t = name ? values[name] ?? outputs[name] : undefined;
        if (!name || !t) continue;
        const file = write(name, t);
        tensors[name] = file;
        entry.outputs.push({ name, file, shape: [...t.dims], dtype: t.elemType });
      }
      nodes.push(entry);
    });
    const index = { model: path.basename(modelPath), backend, outputs: Object.fromEntries(Object.keys(outputs).map((k) => [k, written.get(k)!])), tensors, nodes, skipped };
    fs.writeFileSync(path.join(out, 'index.json'), JSON.stringify(index, null, 2) + '\n');
    process.stdout.write(`${Object.keys(tensors).length} node outputs of ${nodes.length} nodes → ${path.join(out, 'index.json')}\n`);
  }
  process.stderr.write(`${note}\n`);
  return 0;
}
