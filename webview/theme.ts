/**
 * Concrete colours for canvas drawing (Cytoscape, heatmap, minimap), read from the
 * VS Code theme's CSS variables. Re-read whenever the body's theme class changes.
 */
import type { OpCategory } from './graph/categories';
import { contrastRatio, flatten, mix, parseColor, toHex, type RGBA } from './colors';

export type ThemeKind = 'dark' | 'light' | 'hc-dark' | 'hc-light';

export interface BoxColors { fill: string; border: string; text: string }

export interface Palette {
  kind: ThemeKind;
  bg: string;
  fg: string;
  muted: string;
  border: string;
  focus: string;
  edge: string;
  edgeLabel: string;
  match: string;
  selected: string;
  fontFamily: string;
  categories: Record<OpCategory, BoxColors>;
  input: BoxColors;
  output: BoxColors;
  /** Heatmap scale ends and centre. */
  negative: RGBA;
  zero: RGBA;
  positive: RGBA;
  rgb: { bg: RGBA; fg: RGBA; border: RGBA };
}

// Used only when a variable is missing (e.g. an old VS Code); the real values come from the theme.
const FALLBACK: Record<'dark' | 'light', Record<string, string>> = {
  dark: {
    'editor-background': '#1e1e1e', 'editor-foreground': '#d4d4d4', 'focusBorder': '#007fd4', 'panel-border': '#80808059',
    'charts-blue': '#3794ff', 'charts-red': '#f14c4c', 'charts-green': '#89d185', 'charts-yellow': '#cca700',
    'charts-orange': '#d18616', 'charts-purple': '#b180d7', 'descriptionForeground': '#ccccccb3', 'errorForeground': '#f48771',
    'editor-findMatchHighlightBackground': '#ea5c0055', 'contrastBorder': '',
  },
  light: {
    'editor-background': '#ffffff', 'editor-foreground': '#000000', 'focusBorder': '#0090f1', 'panel-border': '#80808059',
    'charts-blue': '#1a85ff', 'charts-red': '#e51400', 'charts-green': '#388a34', 'charts-yellow': '#bf8803',
    'charts-orange': '#d18616', 'charts-purple': '#652d90', 'descriptionForeground': '#717171', 'errorForeground': '#a1260d',
    'editor-findMatchHighlightBackground': '#ea5c0055', 'contrastBorder': '',
  },
};

export function themeKind(body: HTMLElement): ThemeKind {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'hc-light';
  if (c.contains('vscode-high-contrast')) return 'hc-dark';
  if (c.contains('vscode-light')) return 'light';
  return 'dark';
}

export function readPalette(): Palette {
  const body = document.body;
  const cs = getComputedStyle(body);
  const kind = themeKind(body);
  const base = kind === 'light' || kind === 'hc-light' ? FALLBACK.light : FALLBACK.dark;
  const raw = (name: string) => cs.getPropertyValue('--vscode-' + name).trim() || base[name] || '';
  const bgC = parseColor(raw('editor-background')) ?? parseColor(base['editor-background'])!;
  const col = (name: string, fallback?: RGBA): RGBA => {
    const c = parseColor(raw(name)) ?? parseColor(base[name] ?? '') ?? fallback ?? bgC;
    return c.a < 1 ? flatten(c, bgC) : c;
  };
  const fgC = col('editor-foreground');
  const hc = kind === 'hc-dark' || kind === 'hc-light';
  const borderC = hc ? col('contrastBorder', fgC) : col('panel-border');
  const tintAmount = hc ? 0 : kind === 'light' ? 0.16 : 0.26;
  const box = (name: string): BoxColors => {
    const c = col(name);
    return { fill: toHex(mix(bgC, c, tintAmount)), border: toHex(c), text: toHex(fgC) };
  };
  const solid = (name: string): BoxColors => {
    const c = col(name);
    // text on a solid chip: editor background or foreground, whichever reads better
    const text = contrastRatio(c, bgC) >= contrastRatio(c, fgC) ? bgC : fgC;
    return { fill: toHex(c), border: toHex(c), text: toHex(text) };
  };
  const neutral = mix(bgC, fgC, 0.45);
  const categories: Record<OpCategory, BoxColors> = {
    linear: box('charts-blue'),
    activation: box('charts-red'),
    normalization: box('charts-purple'),
    pooling: box('charts-green'),
    shape: box('charts-yellow'),
    math: { fill: toHex(mix(bgC, fgC, hc ? 0 : 0.07)), border: toHex(neutral), text: toHex(fgC) },
    control: box('charts-orange'),
    unknown: box('errorForeground'),
  };
  return {
    kind,
    bg: toHex(bgC),
    fg: toHex(fgC),
    muted: toHex(col('descriptionForeground', mix(bgC, fgC, 0.6))),
    border: toHex(borderC),
    focus: toHex(col('focusBorder')),
    edge: toHex(mix(bgC, fgC, hc ? 1 : 0.5)),
    edgeLabel: toHex(mix(bgC, fgC, hc ? 1 : 0.7)),
    match: toHex(col('charts-orange')),
    selected: toHex(col('focusBorder')),
    fontFamily: cs.getPropertyValue('--vscode-font-family').trim() || 'system-ui, sans-serif',
    categories,
    input: solid('charts-green'),
    output: solid('charts-blue'),
    negative: col('charts-blue'),
    zero: bgC,
    positive: col('charts-red'),
    rgb: { bg: bgC, fg: fgC, border: borderC },
  };
}

/** Calls `onChange` when VS Code switches theme (body class or the variables on <html> change). */
export function watchTheme(onChange: () => void): MutationObserver {
  const key = () => document.body.className + '|' + (document.documentElement.getAttribute('style') ?? '');
  let last = key();
  let pending = false;
  const obs = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const k = key();
      if (k === last) return;
      last = k;
      onChange();
    });
  });
  obs.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  obs.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return obs;
}
