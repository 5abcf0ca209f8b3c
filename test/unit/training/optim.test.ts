// Optimizers, schedules and clipping against PyTorch's documented update rules, written out
// here independently in float64 (torch.optim.SGD/Adam/AdamW algorithm boxes).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOptimizer, type OptimizerConfig } from '../../../extension/training/optimizers';
import { lrAt } from '../../../extension/training/schedules';
import { clipGradNorm } from '../../../extension/training/clip';

const p0 = [0.5, -1.25, 2, 0.1], grads = [[0.3, -0.2, 0.05, 1.5], [-0.1, 0.4, -0.3, 0.2], [0.2, 0.2, -0.6, -1]];

function runOpt(cfg: OptimizerConfig, lrs: number[]): number[] {
  const opt = makeOptimizer(cfg), p = Float32Array.from(p0);
  grads.forEach((g, t) => opt.step(new Map([['w', p]]), new Map([['w', Float32Array.from(g)]]), lrs[t]));
  return Array.from(p);
}

function refSgd(lr: number, mom: number, damp: number, nesterov: boolean, wd: number): number[] {
  const p = p0.slice(); let b: number[] | undefined;
  for (const g0 of grads) {
    let g = g0.map((g, i) => g + wd * p[i]);
    if (mom) {
      b = b ? b.map((v, i) => mom * v + (1 - damp) * g[i]) : g.slice();
      g = nesterov ? g.map((v, i) => v + mom * b![i]) : b;
    }
    for (let i = 0; i < p.length; i++) p[i] -= lr * g[i];
  }
  return p;
}

function refAdam(lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean): number[] {
  const p = p0.slice(), m = p.map(() => 0), v = p.map(() => 0);
  grads.forEach((g0, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      let g = g0[i];
      if (decoupled) p[i] *= 1 - lr * wd; else g += wd * p[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const mh = m[i] / (1 - b1 ** t), vh = v[i] / (1 - b2 ** t);
      p[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
    }
  });
  return p;
}

function near(a: number[], b: number[], tol = 1e-6) {
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol * (1 + Math.abs(b[i])), `[${i}] ${v} vs ${b[i]}`));
}

const lrs = [0.1, 0.1, 0.1];
test('SGD plain', () => near(runOpt({ name: 'sgd', lr: 0.1 }, lrs), refSgd(0.1, 0, 0, false, 0)));
test('SGD momentum + weight decay', () => near(runOpt({ name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 }, lrs), refSgd(0.1, 0.9, 0, false, 0.01)));
test('SGD momentum + dampening', () => near(runOpt({ name: 'sgd', lr: 0.1, momentum: 0.8, dampening: 0.3 }, lrs), refSgd(0.1, 0.8, 0.3, false, 0)));
test('SGD nesterov', () => near(runOpt({ name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.05 }, lrs), refSgd(0.1, 0.9, 0, true, 0.05)));
test('Adam', () => near(runOpt({ name: 'adam', lr: 0.1 }, lrs), refAdam(0.1, 0.9, 0.999, 1e-8, 0, false)));
test('Adam with L2 weight decay', () => near(runOpt({ name: 'adam', lr: 0.1, weightDecay: 0.1, betas: [0.8, 0.99] }, lrs), refAdam(0.1, 0.8, 0.99, 1e-8, 0.1, false)));
test('AdamW decoupled decay (default 0.01)', () => near(runOpt({ name: 'adamw', lr: 0.1 }, lrs), refAdam(0.1, 0.9, 0.999, 1e-8, 0.01, true)));

test('schedules: warmup, step, cosine', () => {
  assert.equal(lrAt(0, 1, { type: 'constant', warmupSteps: 4 }), 0.25);
  assert.equal(lrAt(3, 1, { type: 'constant', warmupSteps: 4 }), 1);
  assert.equal(lrAt(4, 1, { type: 'step', stepSize: 2, gamma: 0.5 }), 0.25);
  assert.equal(lrAt(0, 1, { type: 'cosine', totalSteps: 10 }), 1);
  assert.ok(Math.abs(lrAt(5, 1, { type: 'cosine', totalSteps: 10 }) - 0.5) < 1e-12);
  assert.ok(Math.abs(lrAt(10, 1, { type: 'cosine', totalSteps: 10, minLr: 0.1 }) - 0.1) < 1e-12);
});

test('clip by global norm', () => {
  const g = new Map([['a', Float32Array.from([3, 0])], ['b', Float32Array.from([0, 4])]]);
  assert.equal(clipGradNorm(g, 10), 5);
  assert.deepEqual(Array.from(g.get('a')!), [3, 0]);
  clipGradNorm(g, 1);
  const a = g.get('a')!, b = g.get('b')!;
  assert.ok(Math.abs(Math.hypot(a[0], b[1]) - 1) < 1e-6);
});
