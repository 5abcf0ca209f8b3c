// Engine side of the training benchmark: the real Trainer (ONNX graph → CPU
// backend → SGD with momentum on cross-entropy), fed the same data in the same
// order as bench/torch_train.py, timed the same way (warm-up, then the best of
// a few rounds of about `seconds` each).
import { cpuBackend } from '../extension/engine/cpu/backend';
import { setGemmThreads } from '../extension/engine/cpu/gemm';
import { graphFromModel } from '../extension/engine/graph';
import { Tensor } from '../extension/engine/tensor';
import { makeDataset } from '../extension/datasets/dataset';
import { readModelFileSync } from '../extension/onnx/reader';
import { Trainer } from '../extension/training/trainer';

export interface TrainConfig { model: 'mlp' | 'lenet'; batch: number; threads: number }

export interface BenchData { x: Float32Array; y: Int32Array; n: number }

export function inputShape(model: TrainConfig['model']): number[] {
  return model === 'lenet' ? [1, 28, 28] : [784];
}

export interface TrainRun {
  /** Trains for about `seconds`; returns samples/s of that round. */
  round(seconds: number): Promise<number>;
  lastLoss(): number;
}

/** Builds the engine's Trainer on `modelFile` (exported by torch_train.py with the same seed) and warms it up. */
export async function engineRun(
  modelFile: string, cfg: TrainConfig, data: BenchData, opts: { lr: number; momentum: number },
): Promise<TrainRun> {
  setGemmThreads(cfg.threads);
  const graph = graphFromModel(readModelFileSync(modelFile));
  const b = cfg.batch;
  const n = Math.floor(data.n / b) * b; // whole batches only, as the PyTorch side
  const x = new Tensor('float32', [n, ...inputShape(cfg.model)], data.x.subarray(0, n * 784));
  const y = new Tensor('int64', [n], Float64Array.from(data.y.subarray(0, n)));
  const trainer = new Trainer(graph, cpuBackend(cfg.threads), makeDataset(x, y, 'bench', 10), {
    loss: 'cross-entropy', optimizer: { name: 'sgd', lr: opts.lr, momentum: opts.momentum },
    // NaN/Inf checks off, as PyTorch makes none (on, the default for users, they cost this row
    // under 1 % with the native scan: 92.3k vs 93.2k samples/s at MLP b256 on one thread)
    batchSize: b, steps: Number.MAX_SAFE_INTEGER, shuffle: false, checkFinite: false,
  });
  let loss = NaN;
  for (let i = 0; i < 20; i++) loss = (await trainer.trainStep()).loss;
  return {
    async round(seconds: number): Promise<number> {
      setGemmThreads(cfg.threads);
      let steps = 0, dt = 0;
      const t0 = performance.now();
      do {
        loss = (await trainer.trainStep()).loss;
        steps++;
        dt = (performance.now() - t0) / 1000;
      } while (dt < seconds);
      return (steps * b) / dt;
    },
    lastLoss: () => loss,
  };
}
