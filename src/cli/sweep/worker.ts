// A sweep worker thread: loads the command once, then runs seeds on request.
import { parentPort, workerData } from 'node:worker_threads';
import { loadSimCommand, runCommandSeed } from '../sim-seed.ts';
import type { FromWorker, ToWorker, WorkerSetup } from './protocol.ts';

const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

try {
  const command = await loadSimCommand((workerData as WorkerSetup).args);
  port.on('message', (message: ToWorker) => {
    if (message.kind === 'stop') {
      port.close();
      return;
    }
    const startedMs = performance.now();
    try {
      const { report } = runCommandSeed(command, message.seed);
      post({ kind: 'report', seed: message.seed, report, wallMs: performance.now() - startedMs });
    } catch (error) {
      post({ kind: 'error', message: `seed ${message.seed}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` });
    }
  });
  post({ kind: 'ready' });
} catch (error) {
  post({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
}
