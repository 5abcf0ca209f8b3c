// Entry of dist/trainWorker.js: one TrainingRun per worker thread, fed by the controller's
// messages. Training happens here so the extension host stays responsive.

import { parentPort } from 'node:worker_threads';
import type { ToTrainWorker } from '../../shared/protocolTraining';
import { TrainingRun } from './job';
import { toTrainError } from './errors';

const port = parentPort;
if (!port) throw new Error('trainWorker.js must run in a worker thread');
let run: TrainingRun | undefined;
port.on('message', (m: ToTrainWorker) => {
  try {
    if (m.type === 'start') run = new TrainingRun(m.job, (msg, transfer) => port.postMessage(msg, transfer ?? []));
    run?.handle(m);
  } catch (e) {
    port.postMessage({ type: 'error', error: toTrainError(e) });
  }
});
