import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GraphView, NodeView } from '../../../shared/protocol';
import { findMatches, searchIndex, searchStatus } from '../../../webview/search';

function node(id: string, opType: string, name: string, input: string, output: string): NodeView {
  return {
    id, opType, name, domain: '', attributes: [], weights: [], parameterCount: 0, subgraphs: [],
    inputs: [{ slot: 'X', tensor: input, isWeight: false }], outputs: [{ slot: 'Y', tensor: output, isWeight: false }],
  };
}

const graph: GraphView = {
  id: 'main', name: 'g',
  nodes: [
    node('n0', 'Conv', '/conv1/Conv', 'input', 'c1'),
    node('n1', 'Relu', '/relu/Relu', 'c1', 'r1'),
    node('n2', 'ConvTranspose', 'upsample', 'r1', 'u1'),
    node('n3', 'Add', 'residual_add', 'u1', 'logits'),
  ],
  inputs: [{ id: 'in:input', kind: 'input', tensor: { name: 'input', elemType: 'float32' } }],
  outputs: [{ id: 'out:logits', kind: 'output', tensor: { name: 'logits', elemType: 'float32' } }],
  edges: [],
};
const items = searchIndex(graph);

test('an exact op type matches that op, not its longer relatives', () => {
  assert.deepEqual(findMatches(items, 'conv'), ['n0']);
  assert.deepEqual(findMatches(items, 'CONV'), ['n0']);
});

test('an exact op type ignores tensors named after it (Relu, not the Gemm reading relu1_out)', () => {
  const mlp = searchIndex({
    ...graph,
    nodes: [node('n0', 'Relu', 'relu1', 'x', 'relu1_out'), node('n1', 'Gemm', 'fc2', 'relu1_out', 'y')],
  });
  assert.deepEqual(findMatches(mlp, 'Relu'), ['n0']);
  assert.deepEqual(findMatches(mlp, 'relu1_'), ['n0', 'n1']);
});

test('substring of an op type, name or tensor', () => {
  assert.deepEqual(findMatches(items, 'convt'), ['n2']);
  assert.deepEqual(findMatches(items, 'residual'), ['n3']);
  assert.deepEqual(findMatches(items, 'logits'), ['n3', 'out:logits']);
  assert.deepEqual(findMatches(items, 'r1'), ['n1', 'n2']);
});

test('terminals are found by tensor name; empty query finds nothing', () => {
  assert.deepEqual(findMatches(items, 'input'), ['in:input', 'n0']);
  assert.deepEqual(findMatches(items, '   '), []);
});

test('status text', () => {
  assert.equal(searchStatus('relu', 2, 12), '3 of 12');
  assert.equal(searchStatus('relu', 0, 0), 'No matches');
  assert.equal(searchStatus('', 0, 3), '');
});
