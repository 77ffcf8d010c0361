// A hunt worker thread: draws and runs the schedules it is handed, one at a time, with the
// hunt's settings (the same in every worker), and sends back what the checkers found.
import { parentPort, workerData } from 'node:worker_threads';
import type { ProtocolFlaw } from '../core/flaws.ts';
import { drawSchedule, scheduleRunSeed } from './draw.ts';
import type { FromHuntWorker, HuntWorkerSetup, ToHuntWorker } from './pool.ts';
import { runSchedule } from './run-schedule.ts';

const port = parentPort!;
const setup = workerData as HuntWorkerSetup;
// The main thread sent them from a ReadonlySet<ProtocolFlaw> (index.ts).
const flaws = new Set(setup.flaws as readonly ProtocolFlaw[]);
const post = (message: FromHuntWorker) => port.postMessage(message);

port.on('message', (message: ToHuntWorker) => {
  if (message.kind === 'stop') {
    port.close();
    return;
  }
  const { index } = message;
  const scenario = drawSchedule(setup.huntSeed, index, setup.n === undefined ? {} : { n: setup.n });
  runSchedule(scenario, scheduleRunSeed(setup.huntSeed, index), flaws).then(
    (findings) => post({ kind: 'result', index, findings }),
    (error: unknown) => post({ kind: 'result', index, findings: [{ property: 'exception', detail: error instanceof Error ? (error.stack ?? error.message) : String(error) }] }),
  );
});
post({ kind: 'ready' });
