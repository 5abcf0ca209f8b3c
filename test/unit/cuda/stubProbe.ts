// Child-process half of stubDriver.test.ts: runs against the stand-in libcuda/NVRTC and
// prints one JSON object with what it saw.
import { cudaStatus } from '../../../extension/engine/cuda/status';
import { cudaBackend } from '../../../extension/engine/cuda/backend';
import { getRuntime, kernelSource } from '../../../extension/engine/cuda/runtime';
import { DeviceTensor, upload } from '../../../extension/engine/cuda/deviceTensor';
import { K } from '../../../extension/engine/kernelNames';
import { Tensor } from '../../../extension/engine/tensor';

import { Worker } from 'node:worker_threads';
import { cudaAddonCandidates } from '../../../extension/engine/cuda/addon';

const out: Record<string, unknown> = {};
const attempt = (k: string, f: () => unknown) => { try { out[k] = f(); } catch (e) { out[k] = `threw: ${(e as Error).message}`; } };
out.status = cudaStatus();
if (process.argv[2] === 'backend-only') attempt('backend', () => cudaBackend().name);
else if (process.argv[2] !== 'status-only') {
  attempt('backend', () => cudaBackend().name);
  const b = cudaBackend();
  attempt('add', () => { const y = b.run(K.Add, [Tensor.from('float32', [3], [1, 2, 3]), Tensor.from('float32', [3], [10, 20, 30])]); return { device: y instanceof DeviceTensor, data: Array.from(y.data) }; });
  attempt('addScalar', () => Array.from(b.run(K.Mul, [Tensor.from('float32', [2, 2], [1, 2, 3, 4]), Tensor.scalar(3)]).data));
  attempt('fill', () => Array.from(b.run(K.Fill, [], { shape: [4], value: 2.5, dtype: 'float32' }).data));
  const rt = getRuntime();
  attempt('int64', () => Array.from(upload(rt, Tensor.from('int64', [3], [5, -1, 7])).data));
  attempt('clone', () => Array.from(upload(rt, Tensor.from('float32', [2], [8, 9])).clone().data));
  attempt('graph', () => { rt.addon.graphBegin(); rt.launch1d('fill_f32', 4, 'plf', [rt.alloc(16).ptr, 4, 1]); const g = rt.addon.graphEnd(); rt.addon.graphLaunch(g); rt.addon.graphDestroy(g); return g; });
  attempt('memInfo', () => rt.addon.memInfo());
  // the same source again (another worker's runtime) reuses the module and its functions
  attempt('recompile', () => ({ sameModule: rt.addon.compile(kernelSource().source, 'neural_lens_kernels.cu', []) === rt.module, sameFunction: rt.addon.getFunction(rt.module, 'fill_f32') === rt.fn('fill_f32') }));
  attempt('compileError', () => rt.addon.compile('#error bad', 'bad.cu', []));
  attempt('oom', () => rt.alloc(2 ** 40));
  attempt('notEmulated', () => { rt.launch1d('unary', 1, 'ippl' + 'fff', [0, rt.alloc(4).ptr, rt.alloc(4).ptr, 1, 0, 0, 0]); return 'launched'; });
}
if (process.argv[2] === 'worker-teardown') {
  // A worker (a training run) allocates device memory and is terminated without freeing it.
  void (async () => {
    const rt = getRuntime(), held = () => rt.addon.memInfo().total - rt.addon.memInfo().free;
    const before = held();
    const file = cudaAddonCandidates().find((f) => require('node:fs').existsSync(f));
    const w = new Worker(`const a = require(${JSON.stringify(file)}); a.status(); const { parentPort } = require('node:worker_threads');
      const p = [a.alloc(1 << 20), a.alloc(3 << 20), a.alloc(4096)]; a.free(p[2], 4096); parentPort.postMessage(a.memInfo()); setInterval(() => {}, 1000);`, { eval: true });
    const inWorker = await new Promise<{ free: number; total: number }>((r) => w.once('message', r));
    await w.terminate();
    const after = held();
    console.log(JSON.stringify({ ...out, before, during: inWorker.total - inWorker.free - before, after }));
  })();
} else console.log(JSON.stringify(out));
