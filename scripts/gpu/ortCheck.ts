// ONNX Runtime's CUDA execution provider on the GPU machine: what ORT reports, whether a
// session with executionProviders ['cuda'] starts (the exact error when not), and if it
// does, mnist-cnn latency on CUDA vs CPU. Run from a bundle with ORT in ./ort beside it.
import path from 'node:path';
import { loadOrt, firstLine } from '../../extension/inference/ortLoader';
import { cudaStatus } from '../../extension/inference/ortSession';

async function main() {
  const model = path.resolve(process.argv[2] ?? 'media/samples/mnist-cnn.onnx');
  const loaded = loadOrt();
  const { ort } = loaded;
  console.log(`ORT ${loaded.version} from ${loaded.source}; backends ${JSON.stringify(ort.listSupportedBackends())}`);
  console.log(`ORT cudaStatus: ${JSON.stringify(cudaStatus(loaded))}`);
  const feeds = (s: { inputNames: readonly string[] }) => ({ [s.inputNames[0]]: new ort.Tensor('float32', new Float32Array(28 * 28), [1, 1, 28, 28]) });
  const time = async (eps: string[]) => {
    const s = await ort.InferenceSession.create(model, { executionProviders: eps });
    for (let i = 0; i < 10; i++) await s.run(feeds(s));
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) await s.run(feeds(s));
    return (performance.now() - t0) / 100;
  };
  console.log(`ORT CPU: ${(await time(['cpu'])).toFixed(3)} ms/inference (mnist-cnn, batch 1)`);
  try {
    console.log(`ORT CUDA: ${(await time(['cuda'])).toFixed(3)} ms/inference (mnist-cnn, batch 1)`);
  } catch (e) {
    console.log(`ORT CUDA session failed: ${firstLine(e)}`);
  }
}

main().catch((e) => { console.log(`ORT check failed: ${firstLine(e)}`); });
