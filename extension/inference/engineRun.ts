// The built-in engine as the second backend: a forward pass keeping every node output (for
// Compare against ONNX Runtime) and saliency — the gradient of one class score with respect to
// the input through the engine's backward. Pure: no vscode.
import { readModelFileSync } from '../onnx/reader';
import { graphFromModel, unsupportedOps, type EngineGraph } from '../engine/graph';
import { Executor } from '../engine/executor';
import { cpuBackend } from '../engine/cpu/backend';
import { tensorFromHost, toHost } from '../engine/bridge';
import { Tensor } from '../engine/tensor';
import type { ImageTarget } from './imageInput';
import { InferenceError, type HostTensor } from './types';

interface Loaded { file: string; graph: EngineGraph; exec: Executor }
let last: Loaded | undefined;

/** The engine graph of a model file (the last one is kept: Compare and saliency reuse it). */
export function engineFor(modelPath: string): Loaded {
  if (last?.file === modelPath) return last;
  const model = readModelFileSync(modelPath);
  const graph = graphFromModel(model);
  const missing = unsupportedOps(graph);
  if (missing.length) throw new InferenceError(`The engine cannot run this model: ${missing[0]}.`, 'Compare and saliency need every op in the engine; ONNX Runtime runs still work.');
  last = { file: modelPath, graph, exec: new Executor(graph, cpuBackend()) };
  return last;
}

function feedsOf(graph: EngineGraph, inputs: Record<string, HostTensor>): Map<string, Tensor> {
  const feeds = new Map<string, Tensor>();
  for (const i of graph.inputs) {
    const t = inputs[i.name];
    if (!t) throw new InferenceError(`Input "${i.name}" is missing.`);
    feeds.set(i.name, tensorFromHost(t, `input "${i.name}"`));
  }
  return feeds;
}

export interface EngineRunResult {
  outputs: Record<string, HostTensor>;
  /** Every node output by value name. */
  values: Record<string, HostTensor>;
  ms: number;
}

/** Runs the engine forward; returns the graph outputs and every node output. */
export function runEngine(modelPath: string, inputs: Record<string, HostTensor>): EngineRunResult {
  const { graph, exec } = engineFor(modelPath);
  const t0 = performance.now();
  let tape;
  try {
    tape = exec.forward(feedsOf(graph, inputs));
  } catch (e) {
    throw new InferenceError(`The engine failed: ${(e as Error).message}`);
  }
  const ms = performance.now() - t0;
  const values: Record<string, HostTensor> = {};
  for (const n of graph.nodes) for (const o of n.outputs) { const v = o && tape.values.get(o); if (v) values[o] = toHost(v); }
  const outputs: Record<string, HostTensor> = {};
  for (const o of graph.outputs) { const v = tape.values.get(o); if (v) outputs[o] = toHost(v); }
  return { outputs, values, ms };
}

export interface SaliencyMap {
  width: number;
  height: number;
  /** |gradient| (max over channels), scaled to 0..1. */
  values: Float32Array;
  /** Largest |gradient| before scaling. */
  maxGrad: number;
}

/**
 * Vanilla-gradient saliency: ∂ output[0, classIndex] / ∂ input, taken before any softmax (the
 * class score), through the engine's backward. `target` says how the input's pixels are laid out.
 */
export function saliency(modelPath: string, inputs: Record<string, HostTensor>, inputName: string, outputName: string, classIndex: number, target: ImageTarget): SaliencyMap {
  const { graph, exec } = engineFor(modelPath);
  let grads;
  try {
    const tape = exec.forward(feedsOf(graph, inputs), { wrt: [inputName] });
    const out = tape.values.get(outputName);
    if (!out) throw new Error(`output "${outputName}" was not computed`);
    if (classIndex < 0 || classIndex >= out.size / (out.shape[0] || 1)) throw new Error(`class ${classIndex} is out of range for output [${out.shape.join(', ')}]`);
    const seed = Tensor.zeros(out.dtype, out.shape);
    seed.data[classIndex] = 1; // batch item 0
    grads = exec.backward(tape, new Map([[outputName, seed]]));
  } catch (e) {
    throw new InferenceError(`Saliency failed: ${(e as Error).message}`, 'Saliency needs the engine to support the backward of every op on the path.');
  }
  const g = grads.get(inputName);
  if (!g) throw new InferenceError(`Saliency failed: the score does not depend on input "${inputName}".`);
  const { width: W, height: H, channels: C } = target;
  const plane = W * H;
  const values = new Float32Array(plane);
  let maxGrad = 0;
  for (let p = 0; p < plane; p++) {
    let m = 0;
    for (let c = 0; c < C; c++) {
      const idx = target.layout === 'NHWC' ? p * C + c : c * plane + p;
      const a = Math.abs(Number(g.data[idx]));
      if (a > m) m = a;
    }
    values[p] = m;
    if (m > maxGrad) maxGrad = m;
  }
  if (maxGrad > 0) for (let p = 0; p < plane; p++) values[p] /= maxGrad;
  return { width: W, height: H, values, maxGrad };
}
