// A training run that turns NaN at step 1, for the NaN/Inf detection tests on each backend:
// y = Log(x · w) fitted to −5 by MSE; one SGD step with lr 100 makes w negative, and Log then
// yields NaN in node "the_log".

import type { Backend } from '../../../extension/engine/backend';
import type { EngineGraph } from '../../../extension/engine/graph';
import { Tensor } from '../../../extension/engine/tensor';
import { makeDataset } from '../../../extension/datasets/dataset';
import { Trainer } from '../../../extension/training/trainer';

export function nanAtStepOne(backend: Backend): Trainer {
  const graph: EngineGraph = {
    nodes: [
      { name: 'scale', opType: 'Mul', domain: '', inputs: ['x', 'w'], outputs: ['xw'], attrs: {} },
      { name: 'the_log', opType: 'Log', domain: '', inputs: ['xw'], outputs: ['y'], attrs: {} },
    ],
    inputs: [{ name: 'x' }], outputs: ['y'],
    initializers: new Map([['w', Tensor.from('float32', [2], [0.1, 0.1])]]), params: new Set(['w']), opset: 17,
  };
  const data = makeDataset(Tensor.from('float32', [4, 2], [1, 1, 1, 1, 1, 1, 1, 1]), Tensor.from('float32', [4, 2], [-5, -5, -5, -5, -5, -5, -5, -5]), 'toy');
  return new Trainer(graph, backend, data, { loss: 'mse', optimizer: { name: 'sgd', lr: 100 }, batchSize: 4, steps: 5 });
}
