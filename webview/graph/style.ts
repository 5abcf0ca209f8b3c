/** Cytoscape stylesheet from the theme palette. */
import type cytoscape from 'cytoscape';
import type { Palette } from '../theme';
import type { OpCategory } from './categories';

export interface StyleOptions {
  showEdgeShapes: boolean;
  /** Many elements: straight haystack edges, no arrows or edge labels. */
  large: boolean;
}

export const FONT_SIZE = 12;

type Rule = { selector: string; style: Record<string, string | number | number[]> };

export function buildStyle(p: Palette, o: StyleOptions): cytoscape.StylesheetJson {
  const hc = p.kind === 'hc-dark' || p.kind === 'hc-light';
  const s: Rule[] = [
    {
      selector: 'node',
      style: {
        shape: 'round-rectangle',
        'corner-radius': 4,
        width: 'data(w)',
        height: 'data(h)',
        label: 'data(label)',
        'text-wrap': 'wrap',
        'text-valign': 'center',
        'text-halign': 'center',
        'font-family': p.fontFamily,
        'font-size': FONT_SIZE,
        'font-weight': 600,
        'line-height': 1.25,
        color: p.fg,
        'background-color': p.categories.math.fill,
        'border-color': p.categories.math.border,
        'border-width': hc ? 2 : 1.5,
        'min-zoomed-font-size': 7,
      },
    },
  ];
  const cats = Object.keys(p.categories) as OpCategory[];
  for (const c of cats) {
    s.push({ selector: `node.cat-${c}`, style: { 'background-color': p.categories[c].fill, 'border-color': p.categories[c].border, color: p.categories[c].text } });
  }
  s.push(
    { selector: 'node.cat-unknown', style: { 'border-style': 'dashed', 'border-width': 2.5 } },
    { selector: 'node.kind-block, node.kind-run', style: { 'border-style': 'double', 'border-width': hc ? 5 : 4.5, 'corner-radius': 6 } },
    { selector: 'node.kind-input', style: { 'corner-radius': 18, 'background-color': p.input.fill, 'border-color': p.input.border, color: p.input.text } },
    { selector: 'node.kind-output', style: { 'corner-radius': 18, 'background-color': p.output.fill, 'border-color': p.output.border, color: p.output.text } },
    {
      selector: 'edge',
      style: o.large
        ? { 'curve-style': 'haystack', 'haystack-radius': 0, width: 1, 'line-color': p.edge }
        : {
            'curve-style': 'bezier',
            width: hc ? 1.5 : 1.2,
            'line-color': p.edge,
            'target-arrow-color': p.edge,
            'target-arrow-shape': 'triangle',
            'arrow-scale': 0.8,
          },
    },
  );
  if (!o.large) {
    s.push({
      selector: 'edge.routed',
      style: {
        'curve-style': 'round-segments',
        'segment-distances': 'data(sd)',
        'segment-weights': 'data(sw)',
        'segment-radii': 14,
        'edge-distances': 'node-position',
      },
    });
    if (o.showEdgeShapes) {
      s.push({
        selector: 'edge[label]',
        style: {
          label: 'data(label)',
          'font-family': p.fontFamily,
          'font-size': 9,
          color: p.edgeLabel,
          'text-margin-x': 'data(lx)',
          'min-zoomed-font-size': 8,
          'text-rotation': 'none',
        },
      });
    }
  }
  s.push(
    { selector: 'node.nl-match', style: { 'outline-width': 3, 'outline-color': p.match, 'outline-offset': 2, 'outline-opacity': 1 } },
    { selector: 'node.nl-current', style: { 'outline-width': 5, 'outline-color': p.match } },
    { selector: 'node:selected', style: { 'border-color': p.selected, 'border-width': 3, 'outline-width': 3, 'outline-color': p.selected, 'outline-offset': 1, 'outline-opacity': 0.5 } },
    { selector: 'edge.nl-adjacent', style: { 'line-color': p.selected, 'target-arrow-color': p.selected, width: 2 } },
    { selector: 'node:active', style: { 'overlay-opacity': 0.08, 'overlay-color': p.fg } },
  );
  // the bundled typings lag Cytoscape 3.35 (outline-*, round-segments, corner-radius)
  return s as unknown as cytoscape.StylesheetJson;
}
