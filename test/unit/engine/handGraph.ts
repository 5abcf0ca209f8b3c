// Small graphs written by hand for executor tests: deterministic float32 values, nodes, and a
// graph with input "x" whose initializers are all trainable.
import type { EngineGraph, EngineNode } from '../../../extension/engine/graph';
import { Tensor } from '../../../extension/engine/tensor';

/** float32 values in [-0.5, 0.5], fixed by `seed` */
export function values(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1), a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(seed * 12.9898 + i * 78.233) * 0.5;
  return new Tensor('float32', shape, a);
}

export const node = (name: string, opType: string, inputs: string[], outputs: string[], attrs: EngineNode['attrs'] = {}): EngineNode =>
  ({ name, opType, domain: '', inputs, outputs, attrs });

export function graph(nodes: EngineNode[], inits: Record<string, Tensor>, outputs: string[]): EngineGraph {
  const initializers = new Map(Object.entries(inits));
  return { nodes, inputs: [{ name: 'x' }], outputs, initializers, params: new Set(initializers.keys()), opset: 17 };
}
