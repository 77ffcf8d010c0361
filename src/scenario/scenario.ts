// A scenario: everything one adversarial experiment needs, as a JSON file chooses it
// (see scenarios/ and adversaries/README.md). This is the checked, in-memory form;
// load.ts turns a file into it and names the file and field of anything wrong.
import type { FaultySpec } from '../adversary/host.ts';
import type { AuthMode } from '../core/auth.ts';
import type { ProtocolParameters } from '../core/config.ts';
import type { NetworkOptions } from '../sim/network.ts';
import type { ByzantineClientOptions } from '../sim/byzantine-clients.ts';
import type { WorkloadOptions } from '../sim/workloads.ts';
import type { Optimization } from '../sim/optimizations.ts';

/** A faulty replica as the file names it, with its adversary loaded. */
export interface ScenarioFaulty extends FaultySpec {
  /** The `adversary` string of the file: a built-in name or a path relative to the file. */
  readonly adversary: string;
  /** The absolute path of the module it was loaded from (workers load it again). */
  readonly modulePath: string;
}

export type ScenarioExpectation =
  /** Liveness: every request a correct client submits from liveAfterS on completes within completeWithinS. */
  | { readonly kind: 'live'; readonly liveAfterMs: number; readonly completeWithinMs: number }
  /**
   * A negative test: some seed must produce a violation. With a liveness bound (the file
   * gives liveAfterS/completeWithinS next to "violation": true), breaking it counts too:
   * that is how a scenario says "more than f silent replicas must stall the system".
   */
  | { readonly kind: 'violation'; readonly liveness: { readonly liveAfterMs: number; readonly completeWithinMs: number } | undefined }
  /** Safety only. */
  | { readonly kind: 'safe' };

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** The file it came from, absolute; undefined for scenarios built in code. */
  readonly path: string | undefined;
  readonly n: number;
  readonly f: number;
  /** How replicas and clients authenticate messages (src/core/auth.ts); the file's `auth`, 'signed' by default. */
  readonly auth: AuthMode;
  /** The §5.1 optimizations on for every replica and client (src/sim/optimizations.ts): the file's `optimizations`, none by default. */
  readonly optimizations: readonly Optimization[];
  readonly network: NetworkOptions;
  readonly faulty: ReadonlyMap<number, ScenarioFaulty>;
  readonly workload: WorkloadOptions;
  readonly byzantineClients: ByzantineClientOptions | undefined;
  /** Clients start no new work after this. */
  readonly workloadDurationMs: number;
  /** The whole run: the workload, then time for the last requests to finish. */
  readonly durationMs: number;
  readonly parameters: Partial<Omit<ProtocolParameters, 'n'>>;
  /** Seeds a sweep runs by default (`-R` overrides). */
  readonly seeds: number;
  readonly expect: ScenarioExpectation;
}
