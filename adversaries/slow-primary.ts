// slow-primary: a primary that does its job just slowly enough not to be replaced.
//
// Fault model: Byzantine timing (the Aardvark attack, Clement et al., NSDI'09). While it
// is the primary it holds back every PRE-PREPARE for just under T, the time a backup
// waits for a request to execute before it suspects the primary (OSDI'99 §4.4,
// §4.5.2); retransmissions of a held PRE-PREPARE are suppressed until it goes out.
// Everything else it does honestly, so each batch commits inside the backups' timeout.
// Attacks: performance, not liveness: PBFT's liveness (§4.5) only promises that
// requests eventually execute, and a primary that stays under the timeout is never
// voted out, so throughput falls to about one batch per T.
import { defineAdversary, mapSends, peersOf, sendToReplica, setBounded, type AdversaryOutput } from '../src/adversary/adversary.ts';
import type { PrePrepare, Signed } from '../src/core/messages.ts';

/** PRE-PREPAREs whose release time is remembered: more than the log window holds. */
const HELD_REMEMBERED = 512;

export default defineAdversary({
  name: 'slow-primary',
  faultModel: 'Byzantine timing: as primary, delays each PRE-PREPARE to just under the view-change timeout (Aardvark, NSDI\'09)',
  attacks: 'throughput: a primary under the timeout T is never replaced (§4.4, §4.5.2), so about one batch commits per T',
  options: {
    delayFraction: { kind: 'number', default: 0.9, min: 0, max: 10, doc: 'hold each PRE-PREPARE back this fraction of viewChangeTimeoutMs (T)' },
    delayMs: { kind: 'number', default: 0, min: 0, doc: 'hold each PRE-PREPARE back this many ms instead (0: use delayFraction)' },
  },
  create(api, options) {
    const delayMs = options.delayMs > 0 ? options.delayMs : options.delayFraction * api.parameters.viewChangeTimeoutMs;
    /** When each held PRE-PREPARE goes out, by "v:n". */
    const releaseAtMs = new Map<string, number>();

    const hold = (signed: Signed<PrePrepare>, to: number | 'all'): AdversaryOutput[] => {
      const key = `${signed.message.view}:${signed.message.seq}`;
      const releaseMs = releaseAtMs.get(key);
      if (releaseMs === undefined) {
        setBounded(releaseAtMs, key, api.nowMs + delayMs, HELD_REMEMBERED);
        api.note(`holding PRE-PREPARE v=${signed.message.view} n=${signed.message.seq} for ${delayMs} ms`);
        const targets = to === 'all' ? peersOf(api) : [to];
        return targets.map((id) => sendToReplica(id, signed, delayMs));
      }
      // A retransmission before the release would undo the delay; after it, it is honest.
      if (api.nowMs < releaseMs) return [];
      return [to === 'all' ? { kind: 'broadcast', signed } : sendToReplica(to, signed)];
    };

    return {
      step: (input) =>
        mapSends(api.step(input), (signed, to) => {
          const message = signed.message;
          // Only primary(v) signs PRE-PREPAREs for v (§4.2): every one of its own is held.
          if (message.type === 'pre-prepare' && message.replica === api.id && (to === 'all' || to.kind === 'replica')) return hold(signed as Signed<PrePrepare>, to === 'all' ? 'all' : to.id);
          return [to === 'all' ? { kind: 'broadcast', signed } : { kind: 'send', to, signed }];
        }),
    };
  },
});
