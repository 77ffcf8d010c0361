// Messages between the sweep's main thread and its workers. A worker gets the `sim`
// arguments once, builds the same command from them (scenario file included), and then
// runs whatever seeds it is handed, one at a time, so that a fast worker takes more.
import type { SeedReport } from '../../sim/run.ts';

export interface WorkerSetup {
  /** The `pancydb sim` arguments, without -S and -R. */
  readonly args: readonly string[];
}

export type ToWorker = { readonly kind: 'seed'; readonly seed: number } | { readonly kind: 'stop' };

export type FromWorker =
  | { readonly kind: 'ready' }
  | { readonly kind: 'report'; readonly seed: number; readonly report: SeedReport; readonly wallMs: number }
  | { readonly kind: 'error'; readonly message: string };
