/**
 * Finds repeated blocks in a layer graph so big models can open collapsed.
 *
 * A "cut" is a layer holding a single node through which every edge crossing
 * that layer boundary flows (the residual stream between ResNet blocks or
 * transformer sub-layers). The ranks between two cuts form a segment; a block is
 * one branching segment plus the plain chain after it (Add → Relu), and plain
 * chains are split before each conv/linear op. Consecutive blocks with the same
 * shape (op types per relative layer) form a run ("12 × block") — the second
 * level of detail for very large graphs. Pure; no DOM.
 */
import type { GraphView } from '../../shared/protocol';
import { opCategory } from './categories';

export interface Block {
  id: string;
  nodeIds: string[];
  signature: string;
  /** Common name prefix ("/layer1/layer1.0") or "". */
  prefix: string;
  /** Distinct op types in order, e.g. "Conv · BatchNormalization · Relu · Add". */
  ops: string[];
  params: number;
}

export interface Run {
  id: string;
  blockIds: string[];
  /** Blocks per repeat (the run shows blockIds.length / period repeats). */
  period: number;
}

export interface Grouping {
  blocks: Block[];
  runs: Run[];
  blockOfNode: Map<string, string>;
  runOfBlock: Map<string, string>;
}

/** Largest block; longer chains or branching regions are cut into pieces of about this size. */
const MAX_BLOCK = 64;
const MIN_BLOCK = 3;
/** Longest repeating group of blocks looked for. */
const MAX_PERIOD = 4;

function samePeriod(sig: string[], a: number, b: number, p: number): boolean {
  for (let k = 0; k < p; k++) if (sig[a + k] !== sig[b + k]) return false;
  return true;
}

export function detectBlocks(graph: GraphView): Grouping {
  const nodes = graph.nodes;
  const n = nodes.length;
  const index = new Map<string, number>();
  nodes.forEach((nd, i) => index.set(nd.id, i));
  const out: number[][] = Array.from({ length: n }, () => []);
  const inn: number[][] = Array.from({ length: n }, () => []);
  for (const e of graph.edges) {
    const s = index.get(e.source), d = index.get(e.target);
    if (s === undefined || d === undefined || s === d) continue;
    out[s].push(d);
    inn[d].push(s);
  }
  // topological order (Kahn); anything left in a cycle is appended in file order
  const indeg = inn.map((a) => a.length);
  const order: number[] = [];
  const seen = new Uint8Array(n);
  const queue: number[] = [];
  for (let v = 0; v < n; v++) if (indeg[v] === 0) queue.push(v);
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    seen[v] = 1;
    order.push(v);
    for (const w of out[v]) if (--indeg[w] === 0) queue.push(w);
  }
  for (let v = 0; v < n; v++) if (!seen[v]) order.push(v);
  const pos = new Int32Array(n);
  order.forEach((v, k) => (pos[v] = k));

  const rank = new Int32Array(n);
  for (const v of order) for (const u of inn[v]) if (pos[u] < pos[v] && rank[u] + 1 > rank[v]) rank[v] = rank[u] + 1;
  // constants and other sources sit just above their first consumer
  for (let k = n - 1; k >= 0; k--) {
    const v = order[k];
    if (inn[v].length) continue;
    let m = Infinity;
    for (const w of out[v]) if (rank[w] < m) m = rank[w];
    if (m !== Infinity && m - 1 > rank[v]) rank[v] = m - 1;
  }
  let R = 0;
  for (let v = 0; v < n; v++) R = Math.max(R, rank[v] + 1);

  const inRank = new Int32Array(R);
  for (let v = 0; v < n; v++) inRank[rank[v]]++;
  const spanDiff = new Int32Array(R + 1);
  const fromRank = new Int32Array(R);
  for (let v = 0; v < n; v++) {
    for (const w of out[v]) {
      if (rank[w] <= rank[v]) continue;
      spanDiff[rank[v]]++;
      spanDiff[rank[w]]--;
      fromRank[rank[v]]++;
    }
  }
  const byRank: number[][] = Array.from({ length: R }, () => []);
  for (const v of order) byRank[rank[v]].push(v);

  // segments between cuts
  const segments: number[][][] = []; // segment -> ranks -> nodes
  let cur: number[][] = [];
  let span = 0;
  for (let r = 0; r < R; r++) {
    span += spanDiff[r];
    cur.push(byRank[r]);
    const isCut = inRank[r] === 1 && span === fromRank[r];
    if (isCut || r === R - 1) {
      segments.push(cur);
      cur = [];
    }
  }

  // blocks: a branching segment plus its trailing chain; chains split before heavy ops
  const rawBlocks: number[][][] = [];
  let blk: number[][] = [];
  let blkBranching = false;
  let blkCount = 0;
  const close = () => {
    if (blk.length) rawBlocks.push(blk);
    blk = [];
    blkBranching = false;
    blkCount = 0;
  };
  for (const seg of segments) {
    const count = seg.reduce((a, r) => a + r.length, 0);
    const branching = count > 1;
    if (branching) {
      if (blkCount > 0) close();
      if (count > MAX_BLOCK) {
        // a very wide region (U-Net skips, one giant branch): chop it by layers
        let piece: number[][] = [];
        let pc = 0;
        for (const r of seg) {
          if (pc + r.length > MAX_BLOCK && pc > 0) { rawBlocks.push(piece); piece = []; pc = 0; }
          piece.push(r);
          pc += r.length;
        }
        blk = piece;
        blkCount = pc;
        blkBranching = true;
        continue;
      }
      blk.push(...seg);
      blkCount += count;
      blkBranching = true;
    } else {
      const v = seg[0]?.[0];
      const heavy = v !== undefined && opCategory(nodes[v].opType) === 'linear';
      if (heavy && blkCount > 0 || blkCount >= MAX_BLOCK) close();
      blk.push(...seg);
      blkCount += count;
    }
  }
  close();

  const blocks: Block[] = [];
  const blockOfNode = new Map<string, string>();
  for (const rb of rawBlocks) {
    const members: number[] = [];
    const sig: string[] = [];
    rb.forEach((r, ri) => {
      for (const v of r) {
        members.push(v);
        sig.push(ri + ':' + nodes[v].opType);
      }
    });
    if (members.length < MIN_BLOCK) continue;
    sig.sort();
    const id = `${graph.id}#b${blocks.length}`;
    const ops: string[] = [];
    let params = 0;
    for (const v of members) {
      if (!ops.includes(nodes[v].opType)) ops.push(nodes[v].opType);
      params += nodes[v].parameterCount;
    }
    const b: Block = {
      id,
      nodeIds: members.map((v) => nodes[v].id),
      signature: sig.join('|'),
      prefix: commonNamePrefix(members.map((v) => nodes[v].name)),
      ops,
      params,
    };
    blocks.push(b);
    for (const nid of b.nodeIds) blockOfNode.set(nid, id);
  }

  // runs: a group of 1–4 blocks repeated back to back (a transformer layer is two blocks,
  // attention and MLP, so its repeats have period 2)
  const runs: Run[] = [];
  const runOfBlock = new Map<string, string>();
  const sig = blocks.map((b) => b.signature);
  for (let i = 0; i < blocks.length; ) {
    let best = { period: 1, count: 1 };
    for (let p = 1; p <= MAX_PERIOD && i + 2 * p <= blocks.length; p++) {
      let count = 1;
      while (i + (count + 1) * p <= blocks.length && samePeriod(sig, i, i + count * p, p)) count++;
      if (count >= 2 && count * p > best.count * best.period) best = { period: p, count };
    }
    const len = best.count * best.period;
    if (best.count >= 2) {
      const run: Run = { id: `${graph.id}#r${runs.length}`, blockIds: blocks.slice(i, i + len).map((b) => b.id), period: best.period };
      runs.push(run);
      for (const bid of run.blockIds) runOfBlock.set(bid, run.id);
    }
    i += len;
  }
  return { blocks, runs, blockOfNode, runOfBlock };
}

/** Longest common prefix of names, cut back to a separator ("/layer1/layer1.0/conv1" → "/layer1/layer1.0"). */
export function commonNamePrefix(names: string[]): string {
  const named = names.filter((s) => s.length > 0);
  if (named.length === 0) return '';
  let p = named[0];
  for (const s of named) {
    let i = 0;
    while (i < p.length && i < s.length && p[i] === s[i]) i++;
    p = p.slice(0, i);
    if (!p) return '';
  }
  if (named.length === 1) return p;
  // path-like names cut at '/', dotted ones at '.', '_' or ':'
  const cut = p.includes('/') ? p.lastIndexOf('/') : Math.max(p.lastIndexOf('.'), p.lastIndexOf('_'), p.lastIndexOf(':'));
  p = cut >= 0 ? p.slice(0, cut) : '';
  p = p.replace(/[/._:]+$/, '');
  return p.replace(/^[/._:]+$/, '');
}
