/**
 * Layered top-to-bottom layout for layer graphs (a small Sugiyama):
 * longest-path ranks, long edges split into dummy chains that form their own lane,
 * a few barycenter sweeps to reduce crossings, then x coordinates by weighted
 * isotonic regression per layer (real nodes weigh more than dummies, so the main
 * chain stays straight and skip connections are pushed beside it).
 *
 * Pure and DOM-free: runs in Node (tests, bench) and in a Web Worker. The worker is
 * built from `layeredLayout.toString()`, so everything the function needs lives
 * inside it — do not move helpers to module scope.
 */

export interface LayoutOptions {
  /** Vertical gap between layers. */
  rankSep?: number;
  /** Horizontal gap between neighbouring boxes. */
  nodeSep?: number;
  /** Horizontal gap next to a dummy (edge lane). */
  laneSep?: number;
  /** Barycenter sweeps (down+up counts as two). */
  sweeps?: number;
  /** Coordinate passes. */
  passes?: number;
  /** Upper bound on dummy nodes; longer edges beyond it are drawn straight. */
  maxDummies?: number;
}

export interface LayoutInput {
  n: number;
  widths: Float64Array;
  heights: Float64Array;
  edgeSrc: Int32Array;
  edgeDst: Int32Array;
  options?: LayoutOptions;
}

export interface LayoutResult {
  /** Box centres. */
  x: Float64Array;
  y: Float64Array;
  rank: Int32Array;
  /** Edge e's bend points are routeXY[2*routeStart[e] .. 2*routeStart[e+1]). */
  routeStart: Int32Array;
  routeXY: Float64Array;
  width: number;
  height: number;
  ms: number;
}

export function layeredLayout(input: LayoutInput): LayoutResult {
  const t0 = typeof performance !== 'undefined' ? performance.now() : Date.now();
  const opt = input.options || {};
  const rankSep = opt.rankSep ?? 40;
  const nodeSep = opt.nodeSep ?? 28;
  const laneSep = opt.laneSep ?? 14;
  const n = input.n;
  const E = input.edgeSrc.length;
  const sweeps = opt.sweeps ?? (n > 20000 ? 2 : n > 5000 ? 4 : 8);
  const passes = opt.passes ?? (n > 20000 ? 3 : 6);
  const maxDummies = opt.maxDummies ?? 400000;
  const W = input.widths;
  const H = input.heights;
  const eS = input.edgeSrc;
  const eD = input.edgeDst;
  // Helpers live on an object: esbuild's keepNames wraps named local functions in a module
  // helper (__name) that a worker built from this function's source would not have.
  const fn = {
    forward(s: number, d: number) { return pos[s] < pos[d]; },
    isDummy(v: number) { return v >= n; },
    width(v: number) { return v < n ? W[v] : 0; },
    gap(a: number, b: number) { return a >= n || b >= n ? laneSep : nodeSep; },
    segWeight(a: number, b: number) { return a >= n && b >= n ? 4 : a >= n || b >= n ? 0.05 : 1; },
    nodeWeight(v: number) { return v >= n ? 0.02 : 1; },
    sortLayer(_r: number, _down: boolean) {},
    placeLayer(_r: number, _mode: number) {},
  };

  // --- CSR adjacency over real nodes (self loops dropped) ---
  const outDeg = new Int32Array(n);
  const inDeg = new Int32Array(n);
  for (let e = 0; e < E; e++) {
    if (eS[e] === eD[e]) continue;
    outDeg[eS[e]]++;
    inDeg[eD[e]]++;
  }
  const outStart = new Int32Array(n + 1);
  const inStart = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) {
    outStart[v + 1] = outStart[v] + outDeg[v];
    inStart[v + 1] = inStart[v] + inDeg[v];
  }
  const outAdj = new Int32Array(outStart[n]);
  const inAdj = new Int32Array(inStart[n]);
  {
    const oc = outStart.slice(0, n);
    const ic = inStart.slice(0, n);
    for (let e = 0; e < E; e++) {
      const s = eS[e], d = eD[e];
      if (s === d) continue;
      outAdj[oc[s]++] = d;
      inAdj[ic[d]++] = s;
    }
  }

  // --- topological order (Kahn, LIFO so chains stay together); cycles appended ---
  const order = new Int32Array(n);
  const pos = new Int32Array(n).fill(-1);
  {
    const rem = inDeg.slice();
    const stack: number[] = [];
    for (let v = n - 1; v >= 0; v--) if (rem[v] === 0) stack.push(v);
    let k = 0;
    while (k < n) {
      if (stack.length === 0) {
        // a cycle: release the first unplaced node
        for (let v = 0; v < n; v++) if (pos[v] < 0 && rem[v] > 0) { rem[v] = 0; stack.push(v); break; }
      }
      const v = stack.pop()!;
      if (pos[v] >= 0) continue;
      pos[v] = k;
      order[k++] = v;
      for (let i = outStart[v + 1] - 1; i >= outStart[v]; i--) {
        const w = outAdj[i];
        if (pos[w] < 0 && --rem[w] === 0) stack.push(w);
      }
    }
  }

  // --- longest-path ranks; sources pulled down next to their first consumer ---
  const rank = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const v = order[k];
    let r = 0;
    for (let i = inStart[v]; i < inStart[v + 1]; i++) {
      const u = inAdj[i];
      if (fn.forward(u, v) && rank[u] + 1 > r) r = rank[u] + 1;
    }
    rank[v] = r;
  }
  for (let k = n - 1; k >= 0; k--) {
    const v = order[k];
    let hasPred = false;
    for (let i = inStart[v]; i < inStart[v + 1]; i++) if (fn.forward(inAdj[i], v)) { hasPred = true; break; }
    if (hasPred) continue;
    let m = Infinity;
    for (let i = outStart[v]; i < outStart[v + 1]; i++) {
      const w = outAdj[i];
      if (fn.forward(v, w) && rank[w] < m) m = rank[w];
    }
    if (m !== Infinity && m - 1 > rank[v]) rank[v] = m - 1;
  }
  let R = 0;
  for (let v = 0; v < n; v++) if (rank[v] + 1 > R) R = rank[v] + 1;

  // --- dummy chains for edges spanning more than one layer ---
  let dummyCount = 0;
  const edgeFirstDummy = new Int32Array(E).fill(-1);
  const edgeSpan = new Int32Array(E);
  for (let e = 0; e < E; e++) {
    const s = eS[e], d = eD[e];
    if (s === d || !fn.forward(s, d)) continue;
    const span = rank[d] - rank[s];
    edgeSpan[e] = span;
    if (span > 1 && dummyCount + span - 1 <= maxDummies) {
      edgeFirstDummy[e] = n + dummyCount;
      dummyCount += span - 1;
    }
  }
  const N = n + dummyCount;
  const lrank = new Int32Array(N);
  lrank.set(rank);
  // layered edges (upper -> lower, adjacent ranks), with weights
  const segCount = (() => {
    let c = 0;
    for (let e = 0; e < E; e++) {
      if (eS[e] === eD[e] || !fn.forward(eS[e], eD[e])) continue;
      c += edgeFirstDummy[e] >= 0 ? edgeSpan[e] : 1;
    }
    return c;
  })();
  const sU = new Int32Array(segCount);
  const sL = new Int32Array(segCount);
  {
    let c = 0;
    for (let e = 0; e < E; e++) {
      const s = eS[e], d = eD[e];
      if (s === d || !fn.forward(s, d)) continue;
      const f = edgeFirstDummy[e];
      if (f < 0) { sU[c] = s; sL[c] = d; c++; continue; }
      let prev = s;
      for (let j = 0; j < edgeSpan[e] - 1; j++) {
        const dm = f + j;
        lrank[dm] = rank[s] + 1 + j;
        sU[c] = prev; sL[c] = dm; c++;
        prev = dm;
      }
      sU[c] = prev; sL[c] = d; c++;
    }
  }
  // CSR up/down over layered graph
  const upStart = new Int32Array(N + 1);
  const dnStart = new Int32Array(N + 1);
  for (let c = 0; c < segCount; c++) { upStart[sL[c] + 1]++; dnStart[sU[c] + 1]++; }
  for (let v = 0; v < N; v++) { upStart[v + 1] += upStart[v]; dnStart[v + 1] += dnStart[v]; }
  const upAdj = new Int32Array(segCount);
  const dnAdj = new Int32Array(segCount);
  {
    const uc = upStart.slice(0, N);
    const dc = dnStart.slice(0, N);
    for (let c = 0; c < segCount; c++) {
      upAdj[uc[sL[c]]++] = sU[c];
      dnAdj[dc[sU[c]]++] = sL[c];
    }
  }

  // --- layers, initial order: topological order of real nodes, dummies after their source ---
  const layerSize = new Int32Array(R);
  for (let v = 0; v < N; v++) layerSize[lrank[v]]++;
  const layerStart = new Int32Array(R + 1);
  for (let r = 0; r < R; r++) layerStart[r + 1] = layerStart[r] + layerSize[r];
  const slots = new Int32Array(N); // layer-major node list
  const idx = new Int32Array(N); // index within layer
  {
    const fill = layerStart.slice(0, R);
    const place = { at(v: number) { idx[v] = fill[lrank[v]] - layerStart[lrank[v]]; slots[fill[lrank[v]]++] = v; } };
    // walk real nodes in topo order; after each, place the dummy chains that start there
    for (let k = 0; k < n; k++) {
      const v = order[k];
      place.at(v);
    }
    for (let e = 0; e < E; e++) {
      const f = edgeFirstDummy[e];
      if (f < 0) continue;
      for (let j = 0; j < edgeSpan[e] - 1; j++) place.at(f + j);
    }
  }

  // --- crossing reduction: barycenter sweeps ---
  const key = new Float64Array(N);
  fn.sortLayer = (r: number, down: boolean) => {
    const a = layerStart[r], b = layerStart[r + 1];
    if (b - a < 2) return;
    const st = down ? upStart : dnStart;
    const adj = down ? upAdj : dnAdj;
    for (let i = a; i < b; i++) {
      const v = slots[i];
      let sum = 0, cnt = 0;
      for (let j = st[v]; j < st[v + 1]; j++) { sum += idx[adj[j]]; cnt++; }
      key[v] = cnt ? sum / cnt : idx[v];
    }
    const arr = Array.from(slots.subarray(a, b));
    arr.sort((p, q) => key[p] - key[q] || idx[p] - idx[q]);
    for (let i = 0; i < arr.length; i++) { slots[a + i] = arr[i]; idx[arr[i]] = i; }
  };
  for (let s = 0; s < sweeps; s++) {
    if (s % 2 === 0) for (let r = 1; r < R; r++) fn.sortLayer(r, true);
    else for (let r = R - 2; r >= 0; r--) fn.sortLayer(r, false);
  }

  // --- x coordinates ---
  const X = new Float64Array(N);
  for (let r = 0; r < R; r++) {
    let x = 0;
    for (let i = layerStart[r]; i < layerStart[r + 1]; i++) {
      const v = slots[i];
      if (i > layerStart[r]) x += fn.gap(slots[i - 1], v);
      X[v] = x + fn.width(v) / 2;
      x += fn.width(v);
    }
    const shift = x / 2;
    for (let i = layerStart[r]; i < layerStart[r + 1]; i++) X[slots[i]] -= shift;
  }
  // scratch for weighted isotonic regression (pool adjacent violators)
  const off = new Float64Array(N);
  const tgt = new Float64Array(N);
  const bW = new Float64Array(N);
  const bS = new Float64Array(N);
  const bN = new Int32Array(N);
  fn.placeLayer = (r: number, mode: number) => {
    const a = layerStart[r], b = layerStart[r + 1];
    if (b === a) return;
    // desired positions
    for (let i = a; i < b; i++) {
      const v = slots[i];
      let sum = 0, ws = 0;
      if (mode !== 1) for (let j = upStart[v]; j < upStart[v + 1]; j++) { const u = upAdj[j]; const w = fn.segWeight(u, v); sum += X[u] * w; ws += w; }
      if (mode !== 0) for (let j = dnStart[v]; j < dnStart[v + 1]; j++) { const u = dnAdj[j]; const w = fn.segWeight(u, v); sum += X[u] * w; ws += w; }
      tgt[i] = ws > 0 ? sum / ws : X[v];
    }
    // offsets so that the ordering+gap constraint becomes y_i <= y_{i+1}
    off[a] = 0;
    for (let i = a + 1; i < b; i++) off[i] = off[i - 1] + fn.width(slots[i - 1]) / 2 + fn.gap(slots[i - 1], slots[i]) + fn.width(slots[i]) / 2;
    let top = -1;
    for (let i = a; i < b; i++) {
      const w = fn.nodeWeight(slots[i]);
      top++;
      bW[top] = w; bS[top] = w * (tgt[i] - off[i]); bN[top] = 1;
      while (top > 0 && bS[top - 1] / bW[top - 1] > bS[top] / bW[top]) {
        bW[top - 1] += bW[top]; bS[top - 1] += bS[top]; bN[top - 1] += bN[top];
        top--;
      }
    }
    let i = a;
    for (let k = 0; k <= top; k++) {
      const y = bS[k] / bW[k];
      for (let c = 0; c < bN[k]; c++, i++) X[slots[i]] = y + off[i];
    }
  };
  for (let p = 0; p < passes; p++) {
    for (let r = 1; r < R; r++) fn.placeLayer(r, 0);
    for (let r = R - 2; r >= 0; r--) fn.placeLayer(r, 1);
  }
  for (let r = 0; r < R; r++) fn.placeLayer(r, 2);

  // --- y coordinates: layer height is its tallest box ---
  const layerH = new Float64Array(R);
  for (let v = 0; v < n; v++) if (H[v] > layerH[rank[v]]) layerH[rank[v]] = H[v];
  const layerY = new Float64Array(R);
  let y = 0;
  for (let r = 0; r < R; r++) {
    layerY[r] = y + layerH[r] / 2;
    y += layerH[r] + rankSep;
  }
  const totalH = Math.max(0, y - rankSep);

  // normalise: left edge at 0
  let minX = Infinity, maxX = -Infinity;
  for (let v = 0; v < N; v++) {
    const w2 = fn.width(v) / 2;
    if (X[v] - w2 < minX) minX = X[v] - w2;
    if (X[v] + w2 > maxX) maxX = X[v] + w2;
  }
  if (N === 0) { minX = 0; maxX = 0; }
  const outX = new Float64Array(n);
  const outY = new Float64Array(n);
  for (let v = 0; v < n; v++) { outX[v] = X[v] - minX; outY[v] = layerY[rank[v]]; }

  const routeStart = new Int32Array(E + 1);
  for (let e = 0; e < E; e++) routeStart[e + 1] = routeStart[e] + (edgeFirstDummy[e] >= 0 ? edgeSpan[e] - 1 : 0);
  const routeXY = new Float64Array(routeStart[E] * 2);
  for (let e = 0; e < E; e++) {
    const f = edgeFirstDummy[e];
    if (f < 0) continue;
    let k = routeStart[e] * 2;
    for (let j = 0; j < edgeSpan[e] - 1; j++) {
      routeXY[k++] = X[f + j] - minX;
      routeXY[k++] = layerY[lrank[f + j]];
    }
  }
  const t1 = typeof performance !== 'undefined' ? performance.now() : Date.now();
  return { x: outX, y: outY, rank, routeStart, routeXY, width: maxX - minX, height: totalH, ms: t1 - t0 };
}
