// A hand-written MLP training step (forward, cross-entropy, backward, SGD with
// momentum) calling sgemm and the fused helpers (biasAct, reluGrad, colSums,
// sgdStep) directly, with no graph, tape or allocation per step:
// the ceiling the engine's MLP rows can approach with these kernels.
import { biasAct, colSums, reluGrad, setGemmThreads, sgdStep, sgemm } from '../extension/engine/cpu/gemm';
import type { BenchData, TrainRun } from './train';

export function handMlpRun(
  dims: number[], batch: number, threads: number, data: BenchData, opts: { lr: number; momentum: number },
): TrainRun {
  setGemmThreads(threads);
  const L = dims.length - 1;
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const W = dims.slice(0, L).map((din, l) => Float32Array.from({ length: dims[l + 1] * din }, () => rnd() / Math.sqrt(din)));
  const bias = dims.slice(1).map((d) => new Float32Array(d));
  const dW = W.map((w) => new Float32Array(w.length)), dB = bias.map((b) => new Float32Array(b.length));
  const vW = W.map((w) => new Float32Array(w.length)), vB = bias.map((b) => new Float32Array(b.length));
  const act = dims.map((d) => new Float32Array(batch * d)); // act[0] = input, act[l+1] = layer l output
  const grad = dims.map((d) => new Float32Array(batch * d));
  const n = Math.floor(data.n / batch) * batch;
  let pos = 0;

  const step = (): number => {
    act[0].set(data.x.subarray(pos * 784, (pos + batch) * 784));
    const labels = data.y.subarray(pos, pos + batch);
    pos = (pos + batch) % n;
    for (let l = 0; l < L; l++) {
      const din = dims[l], dout = dims[l + 1], out = act[l + 1];
      sgemm(false, true, batch, dout, din, 1, act[l], 0, din, W[l], 0, din, 0, out, 0, dout);
      biasAct(out, 0, batch, dout, dout, bias[l], l < L - 1);
    }
    // softmax cross-entropy, mean over the batch
    const C = dims[L], logits = act[L], g = grad[L];
    let loss = 0;
    for (let i = 0; i < batch; i++) {
      let m = -Infinity;
      for (let j = 0; j < C; j++) m = Math.max(m, logits[i * C + j]);
      let s = 0;
      for (let j = 0; j < C; j++) s += Math.exp(logits[i * C + j] - m);
      loss += Math.log(s) + m - logits[i * C + labels[i]];
      for (let j = 0; j < C; j++) g[i * C + j] = Math.exp(logits[i * C + j] - m) / s / batch;
      g[i * C + labels[i]] -= 1 / batch;
    }
    for (let l = L - 1; l >= 0; l--) {
      const din = dims[l], dout = dims[l + 1], gy = grad[l + 1];
      sgemm(true, false, dout, din, batch, 1, gy, 0, dout, act[l], 0, din, 0, dW[l], 0, din);
      colSums(gy, 0, batch, dout, dout, dB[l], 0);
      if (l > 0) {
        const gx = grad[l];
        sgemm(false, false, batch, din, dout, 1, gy, 0, dout, W[l], 0, din, 0, gx, 0, din);
        reluGrad(gx, act[l], gx);
      }
    }
    const h = { lr: opts.lr, momentum: opts.momentum };
    for (let l = 0; l < L; l++) {
      sgdStep(W[l], dW[l], vW[l], h, false);
      sgdStep(bias[l], dB[l], vB[l], h, false);
    }
    return loss / batch;
  };

  let loss = NaN;
  for (let i = 0; i < 20; i++) loss = step();
  return {
    async round(seconds: number): Promise<number> {
      setGemmThreads(threads);
      let steps = 0, dt = 0;
      const t0 = performance.now();
      do {
        loss = step();
        steps++;
        dt = (performance.now() - t0) / 1000;
      } while (dt < seconds);
      return (steps * batch) / dt;
    },
    lastLoss: () => loss,
  };
}
