// Runs ONNX's backend node tests (../shared/testdata/onnx-node-tests) through ONNX Runtime:
// feeds test_data_set_0/input_N.pb in graph-input order and checks output_N.pb with ONNX's
// tolerance (rtol 1e-3, atol 1e-7).
import fs from 'node:fs';
import path from 'node:path';
import { onnx } from '../../../extension/onnx/proto/onnx.pb.js';
import { readTensorPb } from '../../../extension/cli/tensorIO';
import { allCloseFailure } from '../../../extension/inference/compare';
import { createOrtSession, fetchableOutputs, fromOrtTensor, ortSupportsType, toOrtTensor } from '../../../extension/inference/ortSession';
import type { Tensor } from 'onnxruntime-node';

export const repoRoot = path.resolve(__dirname, '../../..');
export const nodeTestRoot = path.resolve(repoRoot, '../shared/testdata/onnx-node-tests/onnx/backend/test/data/node');

export function listNodeTests(): string[] {
  return fs.readdirSync(nodeTestRoot).filter((d) => fs.existsSync(path.join(nodeTestRoot, d, 'model.onnx'))).sort();
}

/** Runs one test; returns undefined when it passes, else why it failed. */
export async function runNodeTest(name: string): Promise<string | undefined> {
  const dir = path.join(nodeTestRoot, name);
  const bytes = fs.readFileSync(path.join(dir, 'model.onnx'));
  const g = onnx.ModelProto.decode(bytes).graph!;
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  const inputNames = (g.input ?? []).map((i) => i.name ?? '').filter((n) => !inits.has(n));
  const outputNames = (g.output ?? []).map((o) => o.name ?? '');
  const dataDir = path.join(dir, 'test_data_set_0');
  const read = (f: string) => readTensorPb(fs.readFileSync(path.join(dataDir, f)), f);

  const feeds: Record<string, Tensor> = {};
  for (let i = 0; i < inputNames.length; i++) {
    const t = read(`input_${i}.pb`);
    if (!ortSupportsType(t.elemType)) return `input type ${t.elemType} not supported by onnxruntime-node`;
    feeds[inputNames[i]] = toOrtTensor(t, inputNames[i]);
  }
  let results: Record<string, Tensor>;
  try {
    const s = await createOrtSession(bytes, { provider: 'cpu', threads: 1 });
    try {
      const { fetch, unfetchable } = fetchableOutputs(s.session);
      if (unfetchable.length) return `output type ${unfetchable[0].type} cannot be returned by onnxruntime-node`;
      results = (await s.session.run(feeds, fetch)) as Record<string, Tensor>;
    } finally {
      await s.session.release();
    }
  } catch (e) {
    return `ORT: ${(e as Error).message.split('\n')[0]}`;
  }
  for (let i = 0; i < outputNames.length; i++) {
    const expected = read(`output_${i}.pb`);
    const got = results[outputNames[i]];
    if (!got) return `output ${outputNames[i]} missing`;
    const why = allCloseFailure(fromOrtTensor(got), expected);
    if (why) return `output ${outputNames[i]}: ${why}`;
  }
  return undefined;
}
