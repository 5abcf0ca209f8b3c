// Equal-width histogram over several arrays together (one layer's weights or gradients),
// written into a given counts slice and its [min, max].

export function histogramInto(arrays: Float32Array[], bins: number, counts: Float32Array, range: Float32Array): void {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays) for (let i = 0; i < a.length; i++) { const v = a[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  counts.fill(0);
  if (!(lo <= hi)) { range[0] = range[1] = 0; return; }
  if (hi === lo) { range[0] = lo; range[1] = hi; let n = 0; for (const a of arrays) n += a.length; counts[Math.floor(bins / 2)] = n; return; }
  range[0] = lo; range[1] = hi;
  const scale = bins / (hi - lo);
  for (const a of arrays) for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) * scale))]++;
  }
}
