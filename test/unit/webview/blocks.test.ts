import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EdgeView, GraphView, NodeView } from '../../../shared/protocol';
import { commonNamePrefix, detectBlocks } from '../../../webview/graph/blocks';
import { buildVisibleGraph, estimateWidth } from '../../../webview/graph/visible';

/** A ResNet-like chain of `blocks` basic blocks: Conv BN Relu Conv BN Add Relu, skip into Add. */
function resnet(blocks: number): GraphView {
  const nodes: NodeView[] = [];
  const edges: EdgeView[] = [];
  const add = (op: string, name: string, inputs: string[]): string => {
    const id = `n${nodes.length}`;
    nodes.push({ id, name, opType: op, domain: '', inputs: [], outputs: [], attributes: [], weights: [], parameterCount: op === 'Conv' ? 10 : 0, subgraphs: [] });
    for (const s of inputs) edges.push({ id: `e${edges.length}`, source: s, target: id, tensor: `${s}_out`, label: '1×8' });
    return id;
  };
  let x = add('Conv', '/stem/conv/Conv', ['in:x']);
  for (let b = 0; b < blocks; b++) {
    const p = `/layer1/layer1.${b}`;
    let y = add('Conv', `${p}/conv1/Conv`, [x]);
    y = add('BatchNormalization', `${p}/bn1/BatchNormalization`, [y]);
    y = add('Relu', `${p}/relu/Relu`, [y]);
    y = add('Conv', `${p}/conv2/Conv`, [y]);
    y = add('BatchNormalization', `${p}/bn2/BatchNormalization`, [y]);
    y = add('Add', `${p}/Add`, [y, x]);
    x = add('Relu', `${p}/relu_1/Relu`, [y]);
  }
  edges.push({ id: `e${edges.length}`, source: x, target: 'out:y', tensor: 'y', label: '' });
  return {
    id: 'main', name: 'g', nodes, edges,
    inputs: [{ id: 'in:x', kind: 'input', tensor: { name: 'x', elemType: 'float32' } }],
    outputs: [{ id: 'out:y', kind: 'output', tensor: { name: 'y', elemType: 'float32' } }],
  };
}

test('residual blocks are found and identical ones form a run', () => {
  const g = resnet(5);
  const grouping = detectBlocks(g);
  const residual = grouping.blocks.filter((b) => b.nodeIds.length === 7);
  assert.equal(residual.length, 5);
  assert.deepEqual(residual[0].ops, ['Conv', 'BatchNormalization', 'Relu', 'Add']);
  assert.equal(residual[2].prefix, '/layer1/layer1.2');
  assert.equal(grouping.runs.length, 1);
  assert.equal(grouping.runs[0].blockIds.length, 5);
});

test('collapsed view merges edges and keeps terminals; expanding one block shows its nodes', () => {
  const g = resnet(4);
  const grouping = detectBlocks(g);
  const collapsed = buildVisibleGraph(g, { grouping, expanded: new Set(), useRuns: false }, estimateWidth);
  const kinds = collapsed.boxes.map((b) => b.kind);
  assert.equal(kinds.filter((k) => k === 'block').length, 4);
  assert.ok(kinds.includes('input') && kinds.includes('output'));
  for (const e of collapsed.edges) assert.notEqual(e.source, e.target);
  const ids = new Set(collapsed.boxes.map((b) => b.id));
  for (const e of collapsed.edges) assert.ok(ids.has(e.source) && ids.has(e.target), `dangling edge ${e.id}`);

  const runs = buildVisibleGraph(g, { grouping, expanded: new Set(), useRuns: true }, estimateWidth);
  const run = runs.boxes.find((b) => b.kind === 'run')!;
  assert.match(run.line1, /^4 × layer1/);

  const first = grouping.blocks.find((b) => b.nodeIds.length === 7)!;
  const opened = buildVisibleGraph(g, { grouping, expanded: new Set([first.id]), useRuns: false }, estimateWidth);
  assert.equal(opened.boxes.length, collapsed.boxes.length - 1 + 7);
  assert.equal(opened.boxOf(first.nodeIds[3]), first.nodeIds[3]);
  assert.equal(collapsed.boxOf(first.nodeIds[3]), first.id);
});

test('commonNamePrefix cuts at a separator', () => {
  assert.equal(commonNamePrefix(['/layer1/layer1.0/conv1/Conv', '/layer1/layer1.0/bn1/BN']), '/layer1/layer1.0');
  assert.equal(commonNamePrefix(['/layer1/layer1.0/a', '/layer1/layer1.1/a']), '/layer1');
  assert.equal(commonNamePrefix(['conv_1', 'relu_2']), '');
  assert.equal(commonNamePrefix(['', '']), '');
});

test('alternating blocks (attention, MLP) repeat with period 2', () => {
  // two kinds of residual blocks alternating: Conv-based and MatMul-based
  const g = resnet(6);
  let k = 0;
  for (const nd of g.nodes) {
    if (nd.name.startsWith('/layer1/layer1.')) {
      const b = Number(nd.name.split('.')[1].split('/')[0]);
      if (b % 2 === 1 && nd.opType === 'Conv') { nd.opType = 'MatMul'; k++; }
    }
  }
  assert.ok(k > 0);
  const grouping = detectBlocks(g);
  assert.equal(grouping.runs.length, 1);
  assert.equal(grouping.runs[0].period, 2);
  assert.equal(grouping.runs[0].blockIds.length, 6);
  const vis = buildVisibleGraph(g, { grouping, expanded: new Set(), useRuns: true }, estimateWidth);
  assert.match(vis.boxes.find((b) => b.kind === 'run')!.line1, /^3 × /);
});
