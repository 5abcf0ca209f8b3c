// buildGraphView on small hand-built models: counts, ids, ports, folded weights, edges with shape
// labels, subgraphs, functions, unknown ops and warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModel } from '../../../extension/onnx/reader';
import { buildGraphView } from '../../../extension/graph/buildGraphView';
import { formatSummary } from '../../../extension/graph/formatSummary';
import { FLOAT, attr, floatTensor, int64Tensor, mlpSpec, modelBytes, node, valueInfo } from '../onnx/helpers';

const opts = { fileName: 'mlp.onnx', fileSize: 1234 };

test('MLP: summary counts, weights folded into nodes, edges labelled with shapes', () => {
  const v = buildGraphView(readModel(modelBytes(mlpSpec(8))), opts);
  const s = v.summary;
  assert.equal(s.fileName, 'mlp.onnx');
  assert.equal(s.fileSize, 1234);
  assert.equal(s.nodeCount, 3);
  assert.equal(s.nodeCountWithSubgraphs, 3);
  assert.equal(s.parameterCount, 784 * 8 + 8 + 8 * 10 + 10);
  assert.deepEqual(s.opCounts, { Gemm: 2, Relu: 1 });
  assert.equal(s.producer, 'neural-lens-test 1.0');
  assert.deepEqual(s.inputs, [{ name: 'x', elemType: 'float32', shape: ['batch', 784] }]);
  assert.deepEqual(s.outputs, [{ name: 'y', elemType: 'float32', shape: ['batch', 10] }]);

  const g = v.graph;
  assert.equal(g.id, 'main');
  assert.deepEqual(g.nodes.map((n) => n.id), ['n0', 'n1', 'n2']);
  assert.equal(g.nodes.length, 3, 'initializers are not separate nodes');
  const fc1 = g.nodes[0];
  assert.deepEqual(fc1.inputs.map((p) => [p.slot, p.tensor, p.isWeight]), [['A', 'x', false], ['B', 'W1', true], ['C', 'B1', true]]);
  assert.deepEqual(fc1.inputs[1].shape, [784, 8]);
  assert.deepEqual(fc1.weights, [
    { name: 'W1', elemType: 'float32', shape: [784, 8], elementCount: 6272, external: false },
    { name: 'B1', elemType: 'float32', shape: [8], elementCount: 8, external: false },
  ]);
  assert.equal(fc1.parameterCount, 6280);
  assert.deepEqual(fc1.attributes, [{ name: 'transB', type: 'int', value: '0' }]);
  assert.deepEqual(g.inputs.map((t) => t.id), ['in:x']);
  assert.deepEqual(g.outputs.map((t) => t.id), ['out:y']);
  assert.deepEqual(g.edges.map((e) => [e.source, e.target, e.tensor, e.label]), [
    ['in:x', 'n0', 'x', 'batch×784'],
    ['n0', 'n1', 'h1', 'batch×8'],
    ['n1', 'n2', 'a1', 'batch×8'],
    ['n2', 'out:y', 'y', 'batch×10'],
  ]);
  assert.equal(new Set(g.edges.map((e) => e.id)).size, g.edges.length);
  assert.deepEqual(v.warnings, []);
  assert.match(formatSummary(s), /\| Parameters \| 6,370 \|/);
});

test('subgraphs get nested ids and count in nodeCountWithSubgraphs; functions and unknown ops', () => {
  const m = readModel(modelBytes({
    inputs: [valueInfo('c', 9, []), valueInfo('x', FLOAT, [2, 3])],
    outputs: [valueInfo('y', FLOAT, [2, 3]), valueInfo('z', FLOAT), valueInfo('w', FLOAT)],
    initializers: [floatTensor('k', [3], [1, 2, 3])],
    nodes: [
      node('If', ['c'], ['y'], [
        attr.graph('then_branch', { name: 'then', node: [node('Add', ['x', 'k'], ['t'])], output: [valueInfo('t', FLOAT, [2, 3])] }),
        attr.graph('else_branch', {
          name: 'else', node: [node('Neg', ['x'], ['e1']), node('Relu', ['e1'], ['e'])], output: [valueInfo('e', FLOAT, [2, 3])],
        }),
      ]),
      node('Swish2', ['y'], ['z'], [], { domain: 'local' }),
      node('Frobnicate', ['z'], ['w'], [attr.tensor('table', int64Tensor('', [2], [4, 5])), attr.ints('long', Array.from({ length: 40 }, (_, i) => i))]),
    ],
    functions: [{
      name: 'Swish2', domain: 'local', input: ['a'], output: ['b'],
      node: [node('Sigmoid', ['a'], ['s']), node('Mul', ['a', 's'], ['b'])], opsetImport: [{ domain: '', version: 21 }],
    }],
    extraOpsets: [{ domain: 'local', version: 1 }],
  }));
  const v = buildGraphView(m, opts);
  assert.equal(v.summary.nodeCount, 3);
  assert.equal(v.summary.nodeCountWithSubgraphs, 6);
  const ifNode = v.graph.nodes[0];
  assert.deepEqual(ifNode.attributes.map((a) => a.value), ['graph (1 node)', 'graph (2 nodes)']);
  assert.deepEqual(ifNode.subgraphs.map((s) => s.graph.id), ['n0/then_branch', 'n0/else_branch']);
  const elseG = ifNode.subgraphs[1].graph;
  assert.deepEqual(elseG.nodes.map((n) => n.id), ['n0/else_branch/n0', 'n0/else_branch/n1']);
  assert.deepEqual(elseG.outputs.map((o) => o.id), ['n0/else_branch/out:e']);
  assert.deepEqual(elseG.edges.map((e) => [e.id, e.source, e.target, e.label]), [
    ['n0/else_branch/e0', 'n0/else_branch/n0', 'n0/else_branch/n1', '2×3'],
    ['n0/else_branch/e1', 'n0/else_branch/n1', 'n0/else_branch/out:e', '2×3'],
  ]);
  // Outer-scope weight used in a subgraph: shown on the port, weight of the outer graph.
  const thenAdd = ifNode.subgraphs[0].graph.nodes[0];
  assert.deepEqual(thenAdd.inputs.map((p) => [p.tensor, p.shape, p.isWeight]), [['x', [2, 3], false], ['k', [3], true]]);
  assert.deepEqual(thenAdd.weights.map((w) => w.name), ['k'], 'outer-scope initializer shown as the node\'s weight');
  assert.deepEqual(thenAdd.outputs[0].shape, [2, 3]);
  const fnNode = v.graph.nodes[1];
  assert.equal(fnNode.functionId, 'fn:local:Swish2');
  assert.equal(fnNode.unknownOp, undefined);
  assert.deepEqual(v.functions.map((f) => [f.id, f.nodes.map((n) => n.id)]), [['fn:local:Swish2', ['fn:local:Swish2/n0', 'fn:local:Swish2/n1']]]);
  assert.deepEqual(v.functions[0].edges.map((e) => [e.source, e.target]), [
    ['fn:local:Swish2/in:a', 'fn:local:Swish2/n0'], ['fn:local:Swish2/in:a', 'fn:local:Swish2/n1'],
    ['fn:local:Swish2/n0', 'fn:local:Swish2/n1'], ['fn:local:Swish2/n1', 'fn:local:Swish2/out:b'],
  ]);
  const odd = v.graph.nodes[2];
  assert.equal(odd.unknownOp, true);
  assert.equal(odd.attributes[0].value, 'int64[2] [4, 5]');
  assert.match(odd.attributes[1].value, /^\[0, 1, 2, .*, 15, …\] \(40 values\)$/);
  assert.equal(v.warnings.length, 1);
  assert.match(v.warnings[0], /Unknown operator "Frobnicate" in 1 node/);
  const ids = new Set<string>();
  const visit = (g: typeof v.graph) => { for (const n of g.nodes) { assert.ok(!ids.has(n.id), n.id); ids.add(n.id); n.subgraphs.forEach((s) => visit(s.graph)); } };
  visit(v.graph);
  v.functions.forEach(visit);
});

test('known domains are not flagged; com.microsoft and ai.onnx.ml pass', () => {
  const v = buildGraphView(readModel(modelBytes({
    inputs: [valueInfo('x', FLOAT, [1])], outputs: [valueInfo('z', FLOAT, [1])],
    nodes: [node('FusedGemm', ['x'], ['y'], [], { domain: 'com.microsoft' }), node('Normalizer', ['y'], ['z'], [], { domain: 'ai.onnx.ml' })],
    extraOpsets: [{ domain: 'com.microsoft', version: 1 }, { domain: 'ai.onnx.ml', version: 3 }],
  })), opts);
  assert.deepEqual(v.graph.nodes.map((n) => n.unknownOp), [undefined, undefined]);
  assert.deepEqual(v.warnings, []);
});

test('a 10k-node chain builds with unique ids and one edge per link', () => {
  const n = 10_000;
  const nodes = Array.from({ length: n }, (_, i) => node(i % 2 ? 'Relu' : 'Add', i % 2 ? [`t${i}`] : [`t${i}`, 'b'], [`t${i + 1}`]));
  const v = buildGraphView(readModel(modelBytes({
    inputs: [valueInfo('t0', FLOAT, ['batch', 64])], outputs: [valueInfo(`t${n}`, FLOAT)],
    initializers: [floatTensor('b', [64], new Float32Array(64))], nodes,
  })), opts);
  assert.equal(v.graph.nodes.length, n);
  assert.equal(v.graph.edges.length, n + 1);
  assert.equal(v.graph.edges[n].label, 'batch×64');
  assert.equal(v.summary.outputs[0].shape?.join('×'), 'batch×64');
});
