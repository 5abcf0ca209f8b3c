// Loads one ONNX backend "node" test (model.onnx + test_data_set_*/input_N.pb, output_N.pb)
// and runs it through the engine's forward. Shared by onnxNodeTests.test.ts.

import fs from 'node:fs';
import path from 'node:path';
import { readModel } from '../../../extension/onnx/reader';
import { readTensorPb } from '../../../extension/cli/tensorIO';
import { graphFromModel } from '../../../extension/engine/graph';
import { Executor } from '../../../extension/engine/executor';
import { cpuBackend } from '../../../extension/engine/cpu/backend';
import { tensorFromHost } from '../../../extension/engine/bridge';
import type { Tensor } from '../../../extension/engine/tensor';

export const repoRoot = path.resolve(__dirname, '../../..');
export const nodeTestsRoot = path.resolve(repoRoot, '../shared/testdata/onnx-node-tests');
export const nodeTestsData = path.join(nodeTestsRoot, 'onnx/backend/test/data/node');

export function selectedTests(): Record<string, string[]> {
  return JSON.parse(fs.readFileSync(path.join(nodeTestsRoot, 'selected_tests_by_op.json'), 'utf8'));
}

function close(a: number, e: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  return Math.abs(a - e) <= atol + rtol * Math.abs(e);
}

/** Runs every data set of a test; returns null when all outputs match, else what differed. */
export function runNodeTest(test: string, rtol = 1e-3, atol = 1e-7): string | null {
  const dir = path.join(nodeTestsData, test);
  const model = readModel(fs.readFileSync(path.join(dir, 'model.onnx')));
  const graph = graphFromModel(model);
  const ex = new Executor(graph, cpuBackend());
  const sets = fs.readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort();
  for (const set of sets) {
    const sdir = path.join(dir, set);
    const files = fs.readdirSync(sdir);
    const load = (prefix: string) => files.filter((f) => f.startsWith(prefix)).sort((p, q) => num(p) - num(q))
      .map((f) => readTensorPb(fs.readFileSync(path.join(sdir, f)), f));
    const ins = load('input_'), outs = load('output_');
    const feeds = new Map<string, Tensor>();
    ins.forEach((h, i) => feeds.set(graph.inputs[i]?.name ?? h.name, tensorFromHost(h, h.name)));
    const got = ex.run(feeds, { training: false });
    for (let i = 0; i < outs.length; i++) {
      const name = graph.outputs[i], t = got.get(name)!, e = outs[i];
      if (t.shape.join(',') !== e.dims.join(',')) return `${set} output ${name}: shape [${t.shape}] expected [${e.dims}]`;
      const ev = tensorFromHost(e, name);
      if (t.dtype !== ev.dtype) return `${set} output ${name}: dtype ${t.dtype} expected ${ev.dtype}`;
      for (let j = 0; j < ev.size; j++) {
        if (!close(t.data[j], ev.data[j], rtol, atol)) return `${set} output ${name}[${j}] = ${t.data[j]} expected ${ev.data[j]}`;
      }
    }
  }
  return null;
}

const num = (f: string) => Number(/(\d+)/.exec(f)?.[1] ?? 0);
