// A broken guarantee, as checkers report it.

export type Property =
  | 'agreement'
  | 'state-agreement'
  | 'exactly-once'
  | 'validity'
  | 'reply-integrity'
  | 'lockseq'
  | 'memory-bound'
  | 'linearizability'
  | 'liveness'
  /** A correct replica signed two digests for one (v, n, phase), or two CHECKPOINT digests for one n. */
  | 'signed-twice';

export interface Violation {
  readonly property: Property;
  readonly detail: string;
  readonly replicas: readonly number[];
  readonly seq?: number;
  readonly atMs: number;
  /** The client operations it names (ids in the run's history): the linearizability checker's. */
  readonly operations?: readonly number[];
}
