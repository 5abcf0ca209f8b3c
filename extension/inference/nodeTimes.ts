// Per-node times from ONNX Runtime's profiler, for the graph overlay: a separate CPU session with
// profiling on and graph optimizations off (so every ONNX node keeps its name instead of being
// fused away), run a few times; each node's kernel time is averaged. Pure: no vscode.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Tensor } from 'onnxruntime-node';
import { loadOrt } from './ortLoader';
import { toOrtTensor } from './ortSession';
import type { HostTensor } from './types';

interface ProfileEvent { cat?: string; name?: string; dur?: number }

/** Node name → mean kernel time in ms over the profiled runs (node names as in the model). */
export function nodeTimesFromProfile(events: ProfileEvent[], runs: number): Map<string, number> {
  const sum = new Map<string, number>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || typeof e.dur !== 'number') continue;
    const node = e.name.slice(0, -'_kernel_time'.length);
    sum.set(node, (sum.get(node) ?? 0) + e.dur);
  }
  const out = new Map<string, number>();
  for (const [k, v] of sum) out.set(k, v / 1000 / Math.max(1, runs));
  return out;
}

export async function profileNodeTimes(modelPath: string, inputs: Record<string, HostTensor>, runs = 3): Promise<Map<string, number>> {
  const { ort } = loadOrt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nl-profile-'));
  try {
    const session = await ort.InferenceSession.create(modelPath, {
      executionProviders: ['cpu'], graphOptimizationLevel: 'disabled', enableProfiling: true,
      profileFilePrefix: path.join(dir, 'ort'), logSeverityLevel: 3, intraOpNumThreads: 1,
    });
    try {
      const feeds: Record<string, Tensor> = {};
      for (const name of session.inputNames) feeds[name] = toOrtTensor(inputs[name], name);
      await session.run(feeds); // warm-up, not counted
      for (let i = 0; i < runs; i++) await session.run(feeds);
      session.endProfiling();
    } finally {
      await session.release();
    }
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) return new Map();
    const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as ProfileEvent[];
    return nodeTimesFromProfile(events, runs + 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
