// What the driver (cluster.ts) tells a recorder of the run, beside the `-V` trace lines:
// the same moments, as data. src/picture/sim-recorder.ts turns them into the run record
// the picture draws. A recorder only listens: it draws from no Rng and changes nothing, so
// a run with one is the same run as without (test/picture/sim-recorder.test.ts).
import type { Peer } from '../core/gateway.ts';
import type { Message } from '../core/messages.ts';
import type { ReplicaEvent } from '../core/replica.ts';
import type { Fate } from './network.ts';

export interface RunRecorder {
  /**
   * `from` handed `message` to the network, which decided its fate. Returns one handle per
   * copy the network will deliver (two when duplicated, none when lost), for `arrived`.
   */
  transmitted(from: Peer, to: Peer, message: Message, nowMs: number, fate: Fate): readonly number[];
  /**
   * The copy `handle` reached `to`; `received` false when `to` was down then and never saw
   * it. Drops reported after this and before `arrived(undefined)` are the receiver's
   * answer to this copy.
   */
  arrived(handle: number | undefined, nowMs: number, received: boolean): void;
  /** A correct replica or client dropped a frame with a reason (core/gateway.ts, core/client.ts). */
  dropped(at: Peer, reason: string, detail: string): void;
  /** An event of replica `id`'s core; `faulty`: the honest core inside an adversary. */
  replicaEvent(id: number, event: ReplicaEvent, nowMs: number, faulty: boolean): void;
  /** Replica `id` came back after a crash; `text` says from what (its disk, or nothing). */
  restarted(id: number, nowMs: number, text: string): void;
  /** What faulty replica `id`'s adversary did, in its own words (adversary/host.ts, note). */
  adversaryNote(id: number, nowMs: number, adversary: string, text: string): void;
}
