// Byzantine clients (a workload option): clients with valid keys that misbehave.
// Types only for now; the driver for them lands with the Byzantine-clients work.

export type ByzantineClientKind =
  /** The same t with different operations to different replicas. */
  | 'equivocate'
  /** Timestamps near the top of the range, to exhaust a client's t space at replicas. */
  | 'huge-timestamp'
  /** Re-sends requests that already executed. */
  | 'replay'
  /** Many valid requests, as fast as the rate allows. */
  | 'flood-valid'
  /** Many requests with broken signatures or malformed frames. */
  | 'flood-invalid';

export const BYZANTINE_CLIENT_KINDS: readonly ByzantineClientKind[] = ['equivocate', 'huge-timestamp', 'replay', 'flood-valid', 'flood-invalid'];

export interface ByzantineClientOptions {
  /** How many Byzantine clients; their ids follow the correct clients'. */
  readonly count: number;
  /** What they do; each client cycles through these. */
  readonly kinds: readonly ByzantineClientKind[];
  /** Requests each sends per simulated second. */
  readonly ratePerS: number;
}
