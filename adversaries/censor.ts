// censor: a primary that decides what does not get ordered.
//
// Fault model: a Byzantine primary that follows the protocol except in what it orders:
// it never orders one client's requests ('client'), or it leaves a hole in the sequence
// numbers ('holes'), or it puts its proposal at the top of the window, H = h + L, so
// that everything below must be filled before anything executes ('window'), or it
// orders chosen clients' requests only after holding each just under the backups'
// timeout T ('delay': the client-starving primary of Aardvark, Clement et al., NSDI'09).
// Attacks: liveness, the guarantee that every request of a correct client eventually
// executes (OSDI'99 §4.5.2): backups that wait for a request start a timer (§4.4), and
// when it fires they vote the primary out; the next primary orders the request, and
// its NEW-VIEW fills every hole below max-s with null requests (§4.4). 'delay' attacks
// fairness instead: every request still executes within T, so PBFT never suspects it.
import { defineAdversary, mapSends, type AdversaryApi, type AdversaryOutput } from '../src/adversary/adversary.ts';
import type { Peer } from '../src/core/gateway.ts';
import type { ReplicaInput } from '../src/core/replica-io.ts';
import type { PrePrepare, Signed } from '../src/core/messages.ts';

export default defineAdversary({
  name: 'censor',
  faultModel: 'a primary that never orders one client, skips sequence numbers, or proposes at H to exhaust the window',
  attacks: 'liveness: waiting backups time out and change views (§4.4, §4.5.2); NEW-VIEW fills holes with null requests (§4.4)',
  options: {
    mode: { kind: 'choice', values: ['client', 'holes', 'window', 'delay'] as const, default: 'client', doc: "'client': drop one client's requests; 'holes': skip a sequence number once per view it leads; 'window': propose at H once per view it leads; 'delay': as primary, hold the requests of `clients` for delayFraction of T" },
    client: { kind: 'integer', default: 0, min: 0, doc: "the censored client's id (mode 'client')" },
    clients: { kind: 'ids', default: [1, 2], doc: "the starved clients' ids (mode 'delay')" },
    delayFraction: { kind: 'number', default: 0.9, min: 0, max: 10, doc: "mode 'delay': hold each of their requests this fraction of viewChangeTimeoutMs (T)" },
    fromS: { kind: 'number', default: 1, min: 0, doc: 'honest until this simulated second, so the run makes some progress first' },
  },
  create(api, options) {
    const active = () => api.nowMs >= options.fromS * 1000;
    if (options.mode === 'client') {
      return {
        step: (input) => {
          if (input.kind === 'receive' && active() && isCensored(api, input.frame, options.client)) {
            api.note(`ignored a request of client ${options.client}`);
            return [];
          }
          return api.step(input);
        },
      };
    }
    if (options.mode === 'delay') return delayClients(api, new Set(options.clients), options.delayFraction * api.parameters.viewChangeTimeoutMs, active);
    const renumber = new Renumbering(api, options.mode);
    return { step: (input) => (active() ? renumber.rewrite(api.step(input)) : api.step(input)) };
  },
});

/** Requests held before the replica sees them: more than any run has clients in flight. */
const HELD_REMEMBERED = 512;

/**
 * Mode 'delay': while primary, the first copy of each REQUEST of a starved client (its
 * own or relayed, §4.1) is held for delayMs, then handed to the honest replica, which
 * orders it; later copies are dropped while it is held. Each such request still executes
 * within T of reaching the backups, so no timer fires (§4.4).
 */
function delayClients(api: AdversaryApi, starved: ReadonlySet<number>, delayMs: number, active: () => boolean): { step: (input: ReplicaInput) => AdversaryOutput[] } {
  /** "c:t" -> the held frame, its link, and when it goes in; in arrival order. */
  const held = new Map<string, { readonly from: Peer; readonly frame: Uint8Array; readonly releaseMs: number }>();
  const released = (): AdversaryOutput[] => {
    const outputs: AdversaryOutput[] = [];
    for (const [key, entry] of held) {
      if (api.nowMs < entry.releaseMs) break;
      held.delete(key);
      outputs.push(...api.feed(entry.frame, entry.from));
    }
    return outputs;
  };
  return {
    step: (input) => {
      if (input.kind === 'receive' && active() && api.primaryOf(api.replica.view) === api.id) {
        const request = api.decode(input.frame)?.message;
        if (request?.type === 'request' && starved.has(request.client) && api.replica.clients.get(request.client)?.timestamp !== request.timestamp) {
          const key = `${request.client}:${request.timestamp}`;
          if (!held.has(key) && held.size < HELD_REMEMBERED) {
            held.set(key, { from: input.from, frame: input.frame, releaseMs: api.nowMs + delayMs });
            api.note(`holding a request of client ${request.client} t=${request.timestamp} for ${delayMs} ms`);
          }
          return released();
        }
      }
      return [...api.step(input), ...released()];
    },
  };
}

/** A REQUEST of the censored client, sent by the client itself or relayed by a backup (§4.1). */
function isCensored(api: AdversaryApi, frame: Uint8Array, client: number): boolean {
  const signed = api.decode(frame);
  return signed?.message.type === 'request' && signed.message.client === client;
}

/**
 * Moves this primary's proposals up the sequence numbers, once per view it leads:
 * 'holes' by one (seq n is never proposed), 'window' to H. Every later PRE-PREPARE of the
 * view, retransmissions included, moves by the same amount, so backups see one
 * consistent, if gapped, order and nothing below the gap can ever execute.
 */
class Renumbering {
  /** view -> (first renumbered seq, shift) */
  private readonly shifts = new Map<number, { readonly fromSeq: number; readonly by: number }>();

  constructor(
    private readonly api: AdversaryApi,
    private readonly mode: 'holes' | 'window',
  ) {}

  rewrite(outputs: readonly AdversaryOutput[]): AdversaryOutput[] {
    return mapSends(outputs, (signed, to) => {
      if (signed.message.type !== 'pre-prepare' || signed.message.replica !== this.api.id) return [resend(signed, to)];
      return [resend(this.shifted(signed as Signed<PrePrepare>), to)];
    });
  }

  private shifted(signed: Signed<PrePrepare>): Signed<PrePrepare> {
    const { view, seq, batch } = signed.message;
    // Null requests (NEW-VIEW's O, re-sent) stay where V put them.
    if (batch.length === 0) return signed;
    let shift = this.shifts.get(view);
    if (shift === undefined) {
      const by = this.mode === 'holes' ? 1 : Math.max(0, this.api.replica.highWatermark - seq);
      shift = { fromSeq: seq, by };
      this.shifts.set(view, shift);
      this.api.note(this.mode === 'holes' ? `view ${view}: skipping n=${seq}` : `view ${view}: proposing n=${seq} at H=${seq + by}`);
    }
    if (seq < shift.fromSeq || shift.by === 0) return signed;
    return this.api.prePrepare(view, seq + shift.by, batch);
  }
}

function resend(signed: Signed, to: Peer | 'all'): AdversaryOutput {
  return to === 'all' ? { kind: 'broadcast', signed } : { kind: 'send', to, signed };
}
