/** Colour parsing, blending and the diverging heatmap scale. Pure. */

export interface RGBA { r: number; g: number; b: number; a: number }

/** Parses #rgb, #rgba, #rrggbb, #rrggbbaa, rgb(…) and rgba(…); null otherwise. */
export function parseColor(s: string): RGBA | null {
  s = s.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,8})$/.exec(s);
  if (m) {
    let h = m[1];
    if (h.length === 3 || h.length === 4) h = h.split('').map((c) => c + c).join('');
    if (h.length !== 6 && h.length !== 8) return null;
    const v = (i: number) => parseInt(h.slice(i, i + 2), 16);
    return { r: v(0), g: v(2), b: v(4), a: h.length === 8 ? v(6) / 255 : 1 };
  }
  m = /^rgba?\(([^)]+)\)$/.exec(s);
  if (m) {
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map((x) => (x.endsWith('%') ? (parseFloat(x) * 2.55) : parseFloat(x)));
    if (p.length < 3 || p.slice(0, 3).some((x) => Number.isNaN(x))) return null;
    let a = p.length > 3 ? p[3] : 1;
    if (m[1].split(/[\s,/]+/)[3]?.endsWith('%')) a = a / 255;
    return { r: p[0], g: p[1], b: p[2], a };
  }
  return null;
}

export function toHex(c: RGBA): string {
  const h = (x: number) => Math.max(0, Math.min(255, Math.round(x))).toString(16).padStart(2, '0');
  return '#' + h(c.r) + h(c.g) + h(c.b);
}

/** a*(1-t) + b*t per channel (alpha ignored). */
export function mix(a: RGBA, b: RGBA, t: number): RGBA {
  return { r: a.r + (b.r - a.r) * t, g: a.g + (b.g - a.g) * t, b: a.b + (b.b - a.b) * t, a: 1 };
}

/** A colour with alpha, painted over an opaque background → opaque colour. */
export function flatten(c: RGBA, bg: RGBA): RGBA {
  return mix(bg, c, c.a);
}

/** Relative luminance (sRGB, 0..1). */
export function luminance(c: RGBA): number {
  const f = (x: number) => {
    x /= 255;
    return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
}

export function contrastRatio(a: RGBA, b: RGBA): number {
  const la = luminance(a), lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/**
 * Diverging lookup table: index 0 is `neg`, the middle `mid`, the last `pos`.
 * Returned as RGBA bytes, `steps` entries.
 */
export function divergingLut(neg: RGBA, mid: RGBA, pos: RGBA, steps = 255): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(steps * 4);
  const half = (steps - 1) / 2;
  for (let i = 0; i < steps; i++) {
    const c = i <= half ? mix(neg, mid, i / half) : mix(mid, pos, (i - half) / half);
    lut[i * 4] = c.r;
    lut[i * 4 + 1] = c.g;
    lut[i * 4 + 2] = c.b;
    lut[i * 4 + 3] = 255;
  }
  return lut;
}

/** Value → LUT index on a scale symmetric around 0 (±maxAbs). NaN → -1. */
export function lutIndex(v: number, maxAbs: number, steps = 255): number {
  if (Number.isNaN(v)) return -1;
  if (!(maxAbs > 0)) return (steps - 1) >> 1;
  const t = Math.max(-1, Math.min(1, v / maxAbs));
  // round the magnitude so +v and -v land equally far from the centre
  const half = (steps - 1) / 2;
  const k = Math.round(Math.abs(t) * half);
  return Math.round(half) + (t < 0 ? -k : k);
}
