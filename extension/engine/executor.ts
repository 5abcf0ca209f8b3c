// Runs an EngineGraph forward (recording what backward needs) and backward in reverse
// topological order (ONNX nodes are stored topologically sorted). micrograd's backward(),
// over whole tensors: each node's op supplies its own gradient rule.

import type { Backend, FiniteChecker } from './backend';
import { K } from './kernelNames';
import { foldConstants, type EngineGraph, type EngineNode } from './graph';
import { getOp } from './ops';
import type { MaybeTensor, OpContext, OpDef } from './ops/op';
import { Rng } from './rng';
import { firstNonFiniteIndex } from './cpu/gemm';
import { isFloat, recycleArrays, shapeStr, type Tensor, type TypedArray } from './tensor';

export class NonFiniteError extends Error {
  constructor(readonly phase: 'forward' | 'backward', readonly nodeName: string, readonly opType: string, readonly valueName: string, public step?: number) {
    super(`${phase === 'forward' ? 'NaN/Inf produced' : 'NaN/Inf gradient produced'} by ${opType} node "${nodeName}" (value "${valueName}")`);
    this.name = 'NonFiniteError';
  }
}

export interface ForwardOptions {
  training?: boolean;
  rng?: Rng;
  /** throw NonFiniteError naming the first op whose float output is NaN/Inf (at once on the CPU; a device backend checks on the device and reads the flags when the pass ends) */
  checkFinite?: boolean;
  /** value names gradients are wanted for (parameters, or inputs in gradient checks) */
  wrt?: Iterable<string>;
  /**
   * Run Gemm→Relu and Conv→Relu as one node each (bias + ReLU in the GEMM epilogue). The
   * pre-activation value then has no entry in tape.values, so callers that read every
   * intermediate value (the activations view) leave this off; training turns it on.
   */
  fuse?: boolean;
}

export interface NodeRecord {
  node: EngineNode;
  op: OpDef;
  ctx: OpContext;
  inputs: MaybeTensor[];
  outputs: MaybeTensor[];
  saved: unknown;
  needs: boolean[];
}

export interface Tape {
  values: Map<string, Tensor>;
  records: NodeRecord[];
  wrt: Set<string>;
  /** BatchNorm running statistics computed in training mode: initializer name → new value */
  stateUpdates: Map<string, Tensor>;
  checkFinite: boolean;
  /** gradients backward() used up and dropped (for recycle) */
  spent?: Tensor[];
}

function firstNonFinite(t: Tensor): boolean {
  if (!isFloat(t.dtype)) return false;
  const d = t.data;
  // float32 through the native scan when built: with a JS loop over every output and gradient,
  // training with checks on (the default) ran at 0.71× of without (MLP b256, one thread)
  if (d instanceof Float32Array) return firstNonFiniteIndex(d) >= 0;
  for (let i = 0; i < d.length; i++) { const v = d[i]; if (v - v !== 0) return true; }
  return false;
}

/**
 * One pass's NaN/Inf checks: on the host at once, or queued on the backend's device checker
 * (read back when the pass ends, or when a host check fails: a queued one may come first).
 */
class PassCheck {
  private readonly taken: { node: EngineNode; name: string }[] = [];
  constructor(private readonly phase: 'forward' | 'backward', private readonly fc: FiniteChecker | undefined) {}

  check(t: Tensor, node: EngineNode, name: string): void {
    if (this.fc?.take(t)) this.taken.push({ node, name });
    else if (firstNonFinite(t)) this.fail({ node, name });
  }

  /** Throws for the first queued tensor that held NaN/Inf (else for `here`, when given). */
  fail(here?: { node: EngineNode; name: string }): void {
    const k = this.fc && this.taken.length ? this.fc.firstBad() : -1;
    const at = k >= 0 ? this.taken[k] : here;
    if (at) throw new NonFiniteError(this.phase, at.node.name, at.node.opType, at.name);
  }
}

/**
 * Merges each Gemm/Conv whose only consumer is a Relu into one node that produces the
 * Relu's output (attribute __activation; the ops apply the ReLU forward and its gradient
 * backward). Graph outputs are never fused away.
 */
export function fuseActivations(nodes: EngineNode[], graphOutputs: readonly string[]): EngineNode[] {
  const uses = new Map<string, number>();
  for (const n of nodes) for (const i of n.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  const producer = new Map<string, number>();
  nodes.forEach((n, k) => { if ((n.opType === 'Gemm' || n.opType === 'Conv') && !n.domain && n.outputs.length === 1) producer.set(n.outputs[0], k); });
  const out = nodes.slice();
  const drop = new Set<number>();
  nodes.forEach((r, k) => {
    if (r.opType !== 'Relu' || r.domain || !r.outputs[0]) return;
    const src = r.inputs[0], p = producer.get(src);
    if (p === undefined || uses.get(src) !== 1 || graphOutputs.includes(src) || out[p].attrs.__activation) return;
    out[p] = { ...out[p], outputs: [r.outputs[0]], attrs: { ...out[p].attrs, __activation: 'Relu' } };
    drop.add(k);
  });
  return drop.size ? out.filter((_, k) => !drop.has(k)) : out;
}

interface Plan { nodes: EngineNode[]; constants: Map<string, Tensor>; ops: OpDef[] }

export class Executor {
  /** Current initializer values (parameters are replaced here by the optimizer). */
  readonly values: Map<string, Tensor>;
  private plans = new Map<string, Plan>();

  constructor(readonly graph: EngineGraph, readonly backend: Backend) {
    this.values = new Map(graph.initializers);
  }

  private plan(feeds: Map<string, Tensor>, fuse: boolean): Plan {
    const sig = this.graph.inputs.map((i) => `${i.name}:${feeds.get(i.name)?.shape.join('x') ?? '-'}`).join('|') + (fuse ? '|fused' : '');
    let p = this.plans.get(sig);
    if (!p) {
      const shapes = new Map<string, number[]>();
      for (const [k, v] of feeds) shapes.set(k, v.shape.slice());
      const f = foldConstants(this.graph, shapes);
      if (fuse) f.nodes = fuseActivations(f.nodes, this.graph.outputs);
      const ops = f.nodes.map((n) => {
        const op = getOp(n.opType, n.domain);
        if (!op) throw new Error(`op ${n.opType} (node "${n.name}") is not supported by the engine`);
        return op;
      });
      p = { nodes: f.nodes, constants: f.constants, ops };
      if (this.plans.size > 16) this.plans.clear();
      this.plans.set(sig, p);
    }
    return p;
  }

  forward(feeds: Map<string, Tensor> | Record<string, Tensor>, opts: ForwardOptions = {}): Tape {
    const feedMap = feeds instanceof Map ? feeds : new Map(Object.entries(feeds));
    const plan = this.plan(feedMap, opts.fuse ?? false);
    const values = new Map<string, Tensor>(this.values);
    for (const [k, v] of plan.constants) values.set(k, v);
    for (const [k, v] of feedMap) values.set(k, v);
    for (const i of this.graph.inputs) {
      if (!values.has(i.name)) throw new Error(`input "${i.name}" was not given`);
    }
    const wrt = new Set(opts.wrt ?? []);
    const needsGrad = new Set<string>(wrt);
    const rng = opts.rng ?? new Rng(0);
    const records: NodeRecord[] = [];
    const stateUpdates = new Map<string, Tensor>();
    const checkFinite = opts.checkFinite ?? false;
    const finite = checkFinite ? new PassCheck('forward', this.backend.finiteChecker?.()) : undefined;
    for (let k = 0; k < plan.nodes.length; k++) {
      const node = plan.nodes[k], op = plan.ops[k];
      const inputs = node.inputs.map((name) => {
        if (name === '') return undefined;
        const v = values.get(name);
        if (!v) throw new Error(`${node.opType} node "${node.name}": input "${name}" has no value`);
        return v;
      });
      const ctx: OpContext = { backend: this.backend, training: opts.training ?? false, rng, opset: this.graph.opset, nodeName: node.name, numOutputs: node.outputs.length };
      let r;
      try {
        r = op.forward(ctx, inputs, node.attrs);
      } catch (e) {
        if (e instanceof NonFiniteError) throw e;
        const shapes = inputs.map((t) => (t ? shapeStr(t.shape) : '-')).join(', ');
        throw new Error(`${node.opType} node "${node.name}" (inputs ${shapes}): ${(e as Error).message}`);
      }
      const outputs = Array.isArray(r) ? r : r.outputs;
      const saved = Array.isArray(r) ? undefined : r.saved;
      node.outputs.forEach((name, j) => {
        const t = outputs[j];
        if (!name || !t) return;
        finite?.check(t, node, name);
        values.set(name, t);
      });
      const su = (saved as { stateUpdates?: Record<number, Tensor> } | undefined)?.stateUpdates;
      if (su) for (const [idx, t] of Object.entries(su)) { const name = node.inputs[Number(idx)]; if (name && this.values.has(name)) stateUpdates.set(name, t); }
      const needs = node.inputs.map((name) => name !== '' && needsGrad.has(name));
      if (op.backward && needs.some((x) => x)) {
        for (const o of node.outputs) if (o) needsGrad.add(o);
        records.push({ node, op, ctx, inputs, outputs, saved, needs });
      }
    }
    finite?.fail();
    return { values, records, wrt, stateUpdates, checkFinite };
  }

  /** Gradients of the seeded values with respect to every name in tape.wrt. */
  backward(tape: Tape, seeds: Map<string, Tensor>): Map<string, Tensor> {
    const grads = new Map<string, Tensor>(seeds);
    const b = this.backend;
    const finite = tape.checkFinite ? new PassCheck('backward', b.finiteChecker?.()) : undefined;
    // memory no backward may overwrite: every forward value (parameters, feeds, activations) and the caller's seeds
    const pinned = new Set<object>();
    for (const t of tape.values.values()) pinned.add(t.storageKey);
    for (const t of seeds.values()) pinned.add(t.storageKey);
    const owned = (d: MaybeTensor, o: string): boolean => {
      if (!d || !o || tape.wrt.has(o) || pinned.has(d.storageKey)) return false;
      for (const [n, t] of grads) if (n !== o && t.storageKey === d.storageKey) return false;
      return true;
    };
    for (let k = tape.records.length - 1; k >= 0; k--) {
      const rec = tape.records[k];
      const dys = rec.node.outputs.map((o) => (o ? grads.get(o) : undefined));
      if (dys.every((d) => d === undefined)) continue;
      const dyOwned = dys.map((d, j) => owned(d, rec.node.outputs[j]));
      let dxs: MaybeTensor[];
      try {
        dxs = rec.op.backward!(rec.ctx, { inputs: rec.inputs, outputs: rec.outputs, attrs: rec.node.attrs, saved: rec.saved, dys, needs: rec.needs, dyOwned });
      } catch (e) {
        throw new Error(`backward of ${rec.node.opType} node "${rec.node.name}": ${(e as Error).message}`);
      }
      if (rec.ctx.scratch?.length) { (tape.spent ??= []).push(...rec.ctx.scratch); rec.ctx.scratch.length = 0; }
      for (const o of rec.node.outputs) {
        if (!o || tape.wrt.has(o)) continue;
        const d = grads.get(o);
        // an owned gradient the op overwrote and passed on as an input's gradient lives on there
        if (d && !dxs.some((dx) => dx?.storageKey === d.storageKey)) (tape.spent ??= []).push(d);
        grads.delete(o);
      }
      rec.node.inputs.forEach((name, i) => {
        const dx = dxs[i];
        if (!rec.needs[i] || !dx) return;
        const x = rec.inputs[i]!;
        if (dx.size !== x.size) {
          throw new Error(`backward of ${rec.node.opType} node "${rec.node.name}": gradient for "${name}" has shape ${shapeStr(dx.shape)}, input has ${shapeStr(x.shape)}`);
        }
        finite?.check(dx, rec.node, name);
        const prev = grads.get(name);
        grads.set(name, prev ? b.run(K.Add, [prev, dx.reshape(x.shape)]) : dx.reshape(x.shape));
      });
    }
    finite?.fail();
    const out = new Map<string, Tensor>();
    for (const name of tape.wrt) { const g = grads.get(name); if (g) out.set(name, g); }
    return out;
  }

  /**
   * Ends a training step: hands the float32 storage of every value the tape computed, of the
   * gradients backward() used up, and of `more` (the step's own tensors: feeds, loss gradient,
   * parameter gradients after the update) back to the allocator. Initializers, folded constants
   * and new BatchNorm statistics are kept whatever aliases them. Only for a caller that drops
   * the tape and every tensor in `more` right after.
   */
  recycle(tape: Tape, more: Iterable<Tensor> = [], alsoKeep: Iterable<Tensor> = []): void {
    // by buffer: a view over kept storage (a batch of the dataset, a reshaped weight) keeps it too
    const keep = new Set<ArrayBufferLike>();
    for (const t of alsoKeep) keep.add(t.data.buffer);
    for (const t of this.values.values()) keep.add(t.data.buffer);
    for (const t of this.graph.initializers.values()) keep.add(t.data.buffer);
    for (const p of this.plans.values()) for (const t of p.constants.values()) keep.add(t.data.buffer);
    for (const t of tape.stateUpdates.values()) keep.add(t.data.buffer);
    const dead: TypedArray[] = [];
    const add = (t: Tensor | undefined) => { if (t && !keep.has(t.data.buffer)) dead.push(t.data); };
    for (const t of tape.values.values()) add(t);
    for (const r of tape.records) { r.outputs.forEach(add); r.inputs.forEach(add); }
    for (const t of tape.spent ?? []) add(t);
    for (const t of more) add(t);
    tape.values.clear();
    tape.records.length = 0;
    tape.spent = undefined;
    recycleArrays(dead);
  }

  /** Inference: the graph outputs by name. */
  run(feeds: Map<string, Tensor> | Record<string, Tensor>, opts: Omit<ForwardOptions, 'wrt'> = {}): Map<string, Tensor> {
    const tape = this.forward(feeds, opts);
    const out = new Map<string, Tensor>();
    for (const o of this.graph.outputs) {
      const v = tape.values.get(o);
      if (!v) throw new Error(`output "${o}" was not computed`);
      out.set(o, v);
    }
    return out;
  }
}
