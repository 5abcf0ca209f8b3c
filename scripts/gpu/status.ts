// Prints the engine's CUDA status as one JSON line, then compiles the kernels (NVRTC) and
// runs one tiny kernel round trip, so the GPU check fails early and clearly.
import { cudaStatus } from '../../extension/engine/cuda/status';
import { cudaBackend } from '../../extension/engine/cuda/backend';
import { K } from '../../extension/engine/kernelNames';
import { Tensor } from '../../extension/engine/tensor';

const s = cudaStatus();
console.log(JSON.stringify(s));
if (s.available) {
  const t0 = performance.now();
  const b = cudaBackend();
  console.log(`kernels compiled by NVRTC in ${(performance.now() - t0).toFixed(0)} ms`);
  const y = b.run(K.Add, [Tensor.from('float32', [3], [1, 2, 3]), Tensor.from('float32', [3], [10, 20, 30])]);
  console.log(`round trip: [1,2,3] + [10,20,30] = [${Array.from(y.data).join(',')}]`);
  if (Array.from(y.data).join() !== '11,22,33') process.exitCode = 1;
} else process.exitCode = 2;
