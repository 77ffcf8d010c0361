// A replica's event (core/replica-io.ts) as the picture's lane event: the kind, its view or
// sequence number, and the text the simulator's `-V` trace prints for it (sim/cluster.ts),
// so a real cluster's lanes read like a simulated run's.
import type { ReplicaEvent } from '../core/replica-io.ts';
import { describeEvidence } from '../sim/evidence-log.ts';
import { describeRanges, shortDigest } from '../sim/trace.ts';
import type { LaneEvent } from './record.ts';

export type LaneEventFields = Pick<LaneEvent, 'kind' | 'view' | 'seq' | 'text'>;

/** The lane event for `event`; undefined for those the picture leaves out (COMMITTED, a checkpoint mismatch). */
export function laneEventOf(event: ReplicaEvent): LaneEventFields | undefined {
  switch (event.type) {
    case 'executed':
      return { kind: 'execute', view: event.view, seq: event.seq, text: `EXECUTE v=${event.view} n=${event.seq} d=${shortDigest(event.digest)} requests=${event.executions.length}` };
    case 'checkpoint':
      return { kind: 'checkpoint', seq: event.seq, text: `CHECKPOINT n=${event.seq} d=${shortDigest(event.digest)}` };
    case 'stable-checkpoint':
      return { kind: 'stable-checkpoint', seq: event.seq, text: `STABLE-CHECKPOINT n=${event.seq} d=${shortDigest(event.digest)}` };
    case 'view-change':
      return { kind: 'start-view-change', view: event.view, text: `START-VIEW-CHANGE v=${event.view} (${event.reason}) P=[${describeRanges(event.prepared.map((seq) => ({ seq })))}]` };
    case 'new-view':
      return { kind: 'enter-view', view: event.view, text: `ENTER-VIEW v=${event.view} min-s=${event.minS} max-s=${event.maxS} nulls=${event.nulls}` };
    case 'state-transfer':
      return { kind: 'state-transfer', seq: event.seq, text: `STATE-TRANSFER n=${event.seq} from ${event.from}` };
    case 'state-rollback':
      return { kind: 'state-rollback', seq: event.toSeq, text: `STATE-ROLLBACK n=${event.fromSeq} -> ${event.toSeq}` };
    case 'voting-resumed':
      return { kind: 'voting-resumed', view: event.view, text: `VOTING-RESUMED v=${event.view}` };
    case 'evidence': {
      const { view, seq } = event.evidence;
      return { kind: 'evidence', ...(view === undefined ? {} : { view }), ...(seq === undefined ? {} : { seq }), text: describeEvidence(event.evidence) };
    }
    case 'committed':
    case 'checkpoint-mismatch':
      return undefined;
  }
}
