// The replica's half of the gateway (GatewayContext, gateway.ts; house style rule 3):
// answers, before any signature is checked, whether a message can change nothing here
// (OSDI'99 §4.4, §4.3 and the restart rule), so that a replay costs a lookup.
import { awaitsBatch } from './batch-fetch.ts';
import { bytesEqual } from './bytes.ts';
import type { Message, Signed } from './messages.ts';
import type { Replica } from './replica.ts';
import { wantsState } from './state-transfer.ts';

/** GatewayContext: the VIEW-CHANGE we hold, when `frame` is a byte-identical resend of it. */
export function admitted(replica: Replica, message: Message, frame: Uint8Array): Signed | undefined {
  if (message.type !== 'view-change') return undefined;
  const held = replica.viewChanges.latestFrom(message.replica);
  return held !== undefined && bytesEqual(held.frame, frame) ? held : undefined;
}

/** GatewayContext: why `message` can change nothing here, asked before its signatures are checked. */
export function redundancy(replica: Replica, message: Message): string | undefined {
  switch (message.type) {
    case 'view-change': {
      const held = replica.viewChanges.latestView(message.replica);
      if (held === undefined || held < message.newView) return undefined;
      if (held > message.newView) return `replica ${message.replica} already asked for view ${held}`;
      // A resent VIEW-CHANGE for the view we are active in asks for the NEW-VIEW (rate
      // limited in resendNewView); any other repeat adds nothing.
      return message.newView === replica.view && replica.active && replica.isPrimary ? undefined : `VIEW-CHANGE for view ${message.newView} already held`;
    }
    case 'new-view':
      return message.newView === replica.view && replica.active ? `already active in view ${message.newView}` : undefined;
    case 'batch':
      return awaitsBatch(replica, message.digest) ? undefined : 'no O entry waits for this batch';
    case 'state':
      return wantsState(replica, message.seq) ? undefined : `state for n=${message.seq}, executed ${replica.lastExecuted}`;
    case 'commit-certificate': {
      const seq = message.prePrepare.message.seq;
      if (seq <= replica.lastExecuted || seq > replica.highWatermark) return `n=${seq} outside (${replica.lastExecuted}, ${replica.highWatermark}]`;
      return replica.certified.has(seq) ? `n=${seq} already certified` : undefined;
    }
    case 'recovery-reply':
      return replica.restartGuard.wants(message) ? undefined : 'not waiting for this RECOVERY-REPLY';
    default:
      return undefined;
  }
}
