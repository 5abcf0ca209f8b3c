/** Serialises the laid-out graph as a standalone SVG document. Pure (no DOM). */

export interface SvgBox {
  /** Centre. */
  x: number;
  y: number;
  w: number;
  h: number;
  line1: string;
  line2: string;
  fill: string;
  stroke: string;
  text: string;
  pill: boolean;
  dashed?: boolean;
}

export interface SvgEdge {
  source: number; // index into boxes
  target: number;
  /** Bend points between the two boxes. */
  bends: { x: number; y: number }[];
  label: string;
}

export interface SvgScene {
  boxes: SvgBox[];
  edges: SvgEdge[];
  background: string;
  edgeColor: string;
  labelColor: string;
  fontFamily: string;
  showEdgeLabels: boolean;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Where the ray from a box's centre towards `p` leaves the box. */
export function clipToBox(b: { x: number; y: number; w: number; h: number }, p: { x: number; y: number }): { x: number; y: number } {
  const dx = p.x - b.x, dy = p.y - b.y;
  if (dx === 0 && dy === 0) return { x: b.x, y: b.y };
  const sx = dx !== 0 ? b.w / 2 / Math.abs(dx) : Infinity;
  const sy = dy !== 0 ? b.h / 2 / Math.abs(dy) : Infinity;
  const s = Math.min(sx, sy, 1);
  return { x: b.x + dx * s, y: b.y + dy * s };
}

const r1 = (v: number) => Math.round(v * 10) / 10;

export function sceneToSvg(scene: SvgScene): string {
  const pad = 20;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const b of scene.boxes) {
    minX = Math.min(minX, b.x - b.w / 2); maxX = Math.max(maxX, b.x + b.w / 2);
    minY = Math.min(minY, b.y - b.h / 2); maxY = Math.max(maxY, b.y + b.h / 2);
  }
  for (const e of scene.edges) for (const p of e.bends) {
    minX = Math.min(minX, p.x); maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y);
  }
  if (!Number.isFinite(minX)) { minX = minY = 0; maxX = maxY = 0; }
  const w = r1(maxX - minX + 2 * pad), h = r1(maxY - minY + 2 * pad);
  const ox = pad - minX, oy = pad - minY;
  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="${escapeXml(scene.fontFamily)}">`);
  out.push(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${escapeXml(scene.edgeColor)}"/></marker></defs>`);
  out.push(`<rect width="100%" height="100%" fill="${escapeXml(scene.background)}"/>`);
  out.push(`<g transform="translate(${r1(ox)},${r1(oy)})">`);
  out.push(`<g fill="none" stroke="${escapeXml(scene.edgeColor)}" stroke-width="1.2">`);
  const labels: string[] = [];
  for (const e of scene.edges) {
    const s = scene.boxes[e.source], t = scene.boxes[e.target];
    if (!s || !t) continue;
    const first = e.bends[0] ?? t;
    const last = e.bends[e.bends.length - 1] ?? s;
    const pts = [clipToBox(s, first), ...e.bends, clipToBox(t, last)];
    out.push(`<polyline points="${pts.map((p) => `${r1(p.x)},${r1(p.y)}`).join(' ')}" marker-end="url(#arrow)"/>`);
    if (scene.showEdgeLabels && e.label) {
      // label beside the middle of the first segment's midpoint, like the canvas
      const a = pts[Math.floor((pts.length - 1) / 2)], b = pts[Math.floor((pts.length - 1) / 2) + 1];
      labels.push(`<text x="${r1((a.x + b.x) / 2 + 4)}" y="${r1((a.y + b.y) / 2 + 3)}">${escapeXml(e.label)}</text>`);
    }
  }
  out.push(`</g>`);
  if (labels.length) out.push(`<g font-size="9" fill="${escapeXml(scene.labelColor)}">${labels.join('')}</g>`);
  out.push(`<g font-size="12" text-anchor="middle">`);
  for (const b of scene.boxes) {
    const x = r1(b.x - b.w / 2), y = r1(b.y - b.h / 2);
    const rx = b.pill ? r1(b.h / 2) : 3;
    out.push(`<rect x="${x}" y="${y}" width="${r1(b.w)}" height="${r1(b.h)}" rx="${rx}" fill="${escapeXml(b.fill)}" stroke="${escapeXml(b.stroke)}" stroke-width="1.5"${b.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
    if (b.line2) {
      out.push(`<text x="${r1(b.x)}" y="${r1(b.y - 3)}" fill="${escapeXml(b.text)}" font-weight="bold">${escapeXml(b.line1)}</text>`);
      out.push(`<text x="${r1(b.x)}" y="${r1(b.y + 11)}" fill="${escapeXml(b.text)}" font-size="10.5">${escapeXml(b.line2)}</text>`);
    } else {
      out.push(`<text x="${r1(b.x)}" y="${r1(b.y + 4)}" fill="${escapeXml(b.text)}" font-weight="bold">${escapeXml(b.line1)}</text>`);
    }
  }
  out.push(`</g></g></svg>`);
  return out.join('\n');
}
