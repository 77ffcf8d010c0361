// The optimizations of OSDI'99 §5.1 a simulated run can turn on, each off unless named:
//   read-only       a get goes to every replica and needs 2f+1 matching replies; ordered
//                   requests then need 2f+1 too (src/core/read-only.ts)
//   digest-replies  one designated replica sends the result, the others its digest
//                   (src/core/digest-replies.ts)
//   tentative       replicas reply once a batch prepared; a result needs 2f+1 matching
//                   replies, tentative or not (src/core/tentative.ts)
// Each is a cluster-wide choice: every replica and client of a run, Byzantine ones
// included, gets the same setting (a client that accepted writes on f+1 replies would
// let another client's read be stale). This file is the one translation from the names a
// scenario file and `pancydb sim` use to the fields of ReplicaConfig and ClientConfig.
import type { ClientConfig } from '../core/client.ts';
import type { ReplicaConfig } from '../core/config.ts';

export type Optimization = 'read-only' | 'digest-replies' | 'tentative';

/** Every optimization, in the order reports and replay commands list them. */
export const OPTIMIZATIONS: readonly Optimization[] = ['read-only', 'digest-replies', 'tentative'];

export function isOptimization(name: string): name is Optimization {
  return (OPTIMIZATIONS as readonly string[]).includes(name);
}

/**
 * The optimizations named, once each, in OPTIMIZATIONS order: two runs that turn on the
 * same ones have equal lists, whatever order a file or the command line gave them in.
 * @example canonicalOptimizations(['tentative', 'read-only', 'tentative']) // ['read-only', 'tentative']
 */
export function canonicalOptimizations(names: Iterable<Optimization>): Optimization[] {
  const named = new Set(names);
  return OPTIMIZATIONS.filter((name) => named.has(name));
}

/** "read-only,tentative", or "none": how headers and summary lines name them. */
export function describeOptimizations(names: readonly Optimization[]): string {
  const list = canonicalOptimizations(names);
  return list.length === 0 ? 'none' : list.join(',');
}

/** The ReplicaConfig fields; absent (off) for the optimizations not named. */
export function replicaOptimizations(names: readonly Optimization[]): Pick<ReplicaConfig, 'readOnlyRequests' | 'digestReplies' | 'tentativeExecution'> {
  return {
    ...(names.includes('read-only') ? { readOnlyRequests: true } : {}),
    ...(names.includes('digest-replies') ? { digestReplies: true } : {}),
    ...(names.includes('tentative') ? { tentativeExecution: true } : {}),
  };
}

/** The ClientConfig fields; absent (off) for the optimizations not named. */
export function clientOptimizations(names: readonly Optimization[]): Pick<ClientConfig, 'readOnly' | 'digestReplies' | 'tentativeExecution'> {
  return {
    ...(names.includes('read-only') ? { readOnly: true } : {}),
    ...(names.includes('digest-replies') ? { digestReplies: true } : {}),
    ...(names.includes('tentative') ? { tentativeExecution: true } : {}),
  };
}
