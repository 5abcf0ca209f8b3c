// Every model of ONNX's backend node tests: loads, round-trips through the writer, and shape
// inference reproduces the shapes of the expected outputs (test_data_set_0/output_N.pb).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { onnx } from '../../../extension/onnx/proto/onnx.pb.js';
import { readModel, readModelFileSync } from '../../../extension/onnx/reader';
import { writeModel } from '../../../extension/onnx/writer';
import { inferModelShapes } from '../../../extension/onnx/shapeInference';
import { OnnxTensor } from '../../../extension/onnx/tensor';
import type { OnnxModel, TensorRef } from '../../../extension/onnx/model';
import { canonModel, nodeTestsDir, skipNoData } from './helpers';

/**
 * Ops whose output shape depends on the *values* of an input (a shape, axes, split sizes, pads…).
 * In the node tests those inputs are graph inputs, not constants, so inference first runs on
 * types alone; for tests using one of these ops a second run treats the int32/int64 test inputs
 * as known values, as they would be when stored as initializers or Constant nodes in a real model.
 */
const VALUE_DEPENDENT_OPS = new Set([
  'Reshape', 'Expand', 'Slice', 'Split', 'Squeeze', 'Unsqueeze', 'ReduceMean', 'ReduceSum', 'Pad', 'Tile',
  'ConstantOfShape', 'TopK', 'Range', 'OneHot', 'Resize',
]);

/** Tests excluded from the shape check, with the reason. None are needed today; keep the reason
 *  next to any entry added here (e.g. outputs whose shape depends on runtime data like NonZero). */
const SHAPE_EXCLUDED: Record<string, string> = {};

const testNames = skipNoData ? [] : fs.readdirSync(nodeTestsDir).filter((d) => fs.existsSync(path.join(nodeTestsDir, d, 'model.onnx'))).sort();

function readPb(file: string, name?: string): TensorRef {
  return new OnnxTensor(onnx.TensorProto.decode(fs.readFileSync(file)), undefined, name);
}

function loadAll(): Map<string, OnnxModel> {
  const models = new Map<string, OnnxModel>();
  for (const t of testNames) models.set(t, readModelFileSync(path.join(nodeTestsDir, t, 'model.onnx')));
  return models;
}

let cache: Map<string, OnnxModel> | undefined;
const models = () => (cache ??= loadAll());

test('node tests: test data is present', { skip: skipNoData }, () => {
  assert.ok(testNames.length >= 500, `expected the ONNX node tests, found ${testNames.length} in ${nodeTestsDir}`);
});

test('node tests: every model loads', { skip: skipNoData }, () => {
  const failures: string[] = [];
  for (const t of testNames) {
    try {
      const m = readModelFileSync(path.join(nodeTestsDir, t, 'model.onnx'));
      assert.ok(m.graph.nodes.length > 0);
      assert.ok(m.opsetImports.length > 0);
    } catch (e) {
      failures.push(`${t}: ${(e as Error).message}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('node tests: every input/output .pb tensor decodes to its element count', { skip: skipNoData }, () => {
  const failures: string[] = [];
  for (const t of testNames) {
    const ds = path.join(nodeTestsDir, t, 'test_data_set_0');
    if (!fs.existsSync(ds)) continue;
    for (const f of fs.readdirSync(ds)) {
      try {
        const tensor = readPb(path.join(ds, f));
        const d = tensor.data();
        const per = tensor.elemType.startsWith('complex') ? 2 : 1;
        assert.equal(d.length, tensor.elementCount * per, `${tensor.elemType}[${tensor.dims}]`);
      } catch (e) {
        failures.push(`${t}/${f}: ${(e as Error).message}`);
      }
    }
  }
  assert.deepEqual(failures, []);
});

test('node tests: write → read round-trips graph and tensor values', { skip: skipNoData }, () => {
  const failures: string[] = [];
  for (const [t, m] of models()) {
    try {
      const again = readModel(writeModel(m), { path: m.path });
      assert.deepStrictEqual(canonModel(again), canonModel(m));
    } catch (e) {
      failures.push(`${t}: ${(e as Error).message.slice(0, 400)}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('node tests: inferred output shapes and types match the expected outputs', { skip: skipNoData }, () => {
  const failures: string[] = [];
  let checked = 0;
  let viaValues = 0;
  for (const [t, m] of models()) {
    if (SHAPE_EXCLUDED[t]) continue;
    const ds = path.join(nodeTestsDir, t, 'test_data_set_0');
    const expected = m.graph.outputs.map((_o, i) => {
      const f = path.join(ds, `output_${i}.pb`);
      return fs.existsSync(f) ? readPb(f) : undefined;
    });
    const mismatches = (shapes: ReturnType<typeof inferModelShapes>) => m.graph.outputs.flatMap((o, i) => {
      const e = expected[i];
      if (!e) return [];
      const got = shapes.get(o.name);
      return JSON.stringify(got?.shape) === JSON.stringify(e.dims) && got?.elemType === e.elemType
        ? [] : [`${o.name}: expected ${e.elemType}[${e.dims}], inferred ${got?.elemType}[${got?.shape ?? '?'}]`];
    });
    let bad = mismatches(inferModelShapes(m, { useDeclared: false }));
    if (bad.length && m.graph.nodes.some((n) => VALUE_DEPENDENT_OPS.has(n.opType))) {
      const known = new Map<string, TensorRef>();
      m.graph.inputs.forEach((inp, i) => {
        const f = path.join(ds, `input_${i}.pb`);
        if (!fs.existsSync(f)) return;
        const tensor = readPb(f, inp.name);
        if (tensor.elemType === 'int64' || tensor.elemType === 'int32') known.set(inp.name, tensor);
      });
      bad = mismatches(inferModelShapes(m, { useDeclared: false, knownValues: known }));
      viaValues++;
    }
    checked++;
    if (bad.length) failures.push(`${t} (${m.graph.nodes.map((n) => n.opType).join(',').slice(0, 60)}): ${bad.join('; ')}`);
  }
  assert.deepEqual(failures, []);
  assert.ok(checked >= 500, `checked ${checked}`);
  assert.ok(viaValues < checked / 4, `too many tests needed known values (${viaValues})`);
});
