import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipToBox, escapeXml, sceneToSvg, type SvgScene } from '../../../webview/graph/svgExport';

const scene: SvgScene = {
  boxes: [
    { x: 50, y: 20, w: 80, h: 30, line1: 'input', line2: '1×784', fill: '#00ff00', stroke: '#00ff00', text: '#000', pill: true },
    { x: 50, y: 100, w: 80, h: 40, line1: 'Gemm', line2: 'fc<1>', fill: '#222', stroke: '#3794ff', text: '#fff', pill: false },
  ],
  edges: [{ source: 0, target: 1, bends: [], label: 'edge-label' }],
  background: '#1e1e1e', edgeColor: '#888', labelColor: '#aaa', fontFamily: 'Segoe "UI"', showEdgeLabels: true,
};

test('clipToBox stops edges at the box border', () => {
  assert.deepEqual(clipToBox({ x: 0, y: 0, w: 20, h: 10 }, { x: 0, y: 100 }), { x: 0, y: 5 });
  assert.deepEqual(clipToBox({ x: 0, y: 0, w: 20, h: 10 }, { x: 100, y: 0 }), { x: 10, y: 0 });
});

test('escapeXml', () => {
  assert.equal(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&#39;');
});

test('sceneToSvg writes a well-formed standalone document', () => {
  const svg = sceneToSvg(scene);
  assert.ok(svg.startsWith('<?xml'));
  assert.match(svg, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="120" height="155"/);
  assert.match(svg, /<rect x="10" y="5" width="80" height="30" rx="15"/, 'pill for a terminal');
  assert.match(svg, /font-weight="bold">Gemm<\/text>/);
  assert.match(svg, /fc&lt;1&gt;/, 'labels are escaped');
  assert.match(svg, /font-family="Segoe &quot;UI&quot;"/);
  assert.match(svg, /<polyline points="50,35 50,80" marker-end="url\(#arrow\)"\/>/, 'edge from border to border');
  assert.match(svg, />edge-label<\/text>/);
  // balanced tags (no self-closing ambiguity)
  const open = (svg.match(/<g[ >]/g) ?? []).length, close = (svg.match(/<\/g>/g) ?? []).length;
  assert.equal(open, close);
});

test('edge labels can be left out', () => {
  assert.doesNotMatch(sceneToSvg({ ...scene, showEdgeLabels: false }), /edge-label/);
});
