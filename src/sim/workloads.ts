// Builds one workload per simulated client from the run's workload options, each with
// its own Rng stream, and keeps the run-wide counters the report prints.
import type { Operation, OperationResult, OperationType } from '../core/operations.ts';
import type { Rng } from './rng.ts';
import { createLockseqCounters, createLockseqWorkload, type LockseqCounters } from './workload/lockseq.ts';
import { createRandomWorkload, type OperationMix } from './workload/random.ts';
import type { ClientWorkload } from './workload/workload.ts';

export type WorkloadOptions =
  | { readonly kind: 'lockseq'; readonly clients: number; readonly maxSequenceLength: number; readonly groups?: number }
  | { readonly kind: 'random'; readonly clients: number; readonly keys: number; readonly mix: OperationMix };

export interface Workloads {
  readonly options: WorkloadOptions;
  readonly list: readonly ClientWorkload[];
  /** Present for lockseq: operations per phase and anomalies. */
  readonly lockseq: LockseqCounters | undefined;
  /** Completed operations by type. */
  readonly completed: Record<OperationType, number>;
  record(operation: Operation, result: OperationResult): void;
}

export function createWorkloads(options: WorkloadOptions, durationMs: number, rng: Rng): Workloads {
  const completed: Record<OperationType, number> = { get: 0, put: 0, cas: 0, remove: 0 };
  const lockseq = options.kind === 'lockseq' ? createLockseqCounters() : undefined;
  const list = Array.from({ length: options.clients }, (_, clientId): ClientWorkload => {
    const clientRng = rng.fork(`client-${clientId}`);
    if (options.kind === 'lockseq') {
      const groups = options.groups === undefined ? {} : { groups: options.groups };
      return createLockseqWorkload({ clientId, rng: clientRng, durationMs, maxSequenceLength: options.maxSequenceLength, counters: lockseq!, ...groups });
    }
    return createRandomWorkload({ clientId, rng: clientRng, durationMs, keys: options.keys, mix: options.mix });
  });
  return {
    options,
    list,
    lockseq,
    completed,
    record: (operation) => {
      completed[operation.type]++;
    },
  };
}
