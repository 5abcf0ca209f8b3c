/**
 * Runs layeredLayout in a Web Worker made from a Blob (the CSP allows blob: workers),
 * falling back to the UI thread if the worker cannot start or fails.
 */
import { layeredLayout, type LayoutInput, type LayoutResult } from './layout';
import type { VisibleGraph } from './visible';
import { workerSource } from './layoutWorker';

/** Below this many boxes the worker round trip costs more than the layout. */
const WORKER_MIN_BOXES = 400;

let worker: Worker | null | undefined;
let nextId = 1;
const pending = new Map<number, { resolve(r: LayoutResult): void; reject(e: Error): void }>();

function getWorker(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    const url = URL.createObjectURL(new Blob([workerSource()], { type: 'text/javascript' }));
    const w = new Worker(url);
    w.onmessage = (ev: MessageEvent) => {
      const p = pending.get(ev.data.id);
      if (!p) return;
      pending.delete(ev.data.id);
      if (ev.data.error) p.reject(new Error(ev.data.error));
      else p.resolve(ev.data.result);
    };
    w.onerror = (ev) => {
      ev.preventDefault();
      worker = null;
      for (const [, p] of pending) p.reject(new Error('layout worker failed: ' + ev.message));
      pending.clear();
    };
    worker = w;
  } catch {
    worker = null;
  }
  return worker;
}

export function layoutInput(vis: VisibleGraph): LayoutInput {
  const n = vis.boxes.length;
  const index = new Map<string, number>();
  const widths = new Float64Array(n), heights = new Float64Array(n);
  vis.boxes.forEach((b, i) => { index.set(b.id, i); widths[i] = b.w; heights[i] = b.h; });
  const E = vis.edges.length;
  const edgeSrc = new Int32Array(E), edgeDst = new Int32Array(E);
  vis.edges.forEach((e, k) => { edgeSrc[k] = index.get(e.source)!; edgeDst[k] = index.get(e.target)!; });
  return { n, widths, heights, edgeSrc, edgeDst };
}

export interface TimedLayout { result: LayoutResult; wallMs: number; offThread: boolean }

export async function layoutVisible(vis: VisibleGraph): Promise<TimedLayout> {
  const t0 = performance.now();
  const w = vis.boxes.length >= WORKER_MIN_BOXES ? getWorker() : null;
  if (w) {
    try {
      const input = layoutInput(vis);
      const id = nextId++;
      const result = await new Promise<LayoutResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.postMessage({ id, input }, [input.widths.buffer, input.heights.buffer, input.edgeSrc.buffer, input.edgeDst.buffer]);
      });
      return { result, wallMs: performance.now() - t0, offThread: true };
    } catch (err) {
      console.warn('Neural Lens: layout worker failed, laying out on the UI thread', err);
      worker = null;
    }
  }
  const result = layeredLayout(layoutInput(vis));
  return { result, wallMs: performance.now() - t0, offThread: false };
}
