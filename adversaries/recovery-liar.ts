// recovery-liar: a replica that lies to restarted peers about how far the cluster got.
//
// Fault model: Byzantine, honest in everything else. In its RECOVERY-REPLYs it claims view 0
// with no proof ('low': it tries to make a restarted replica think it never voted, so that
// it votes again in a view where it already did), or view 10^6 with the VIEW-CHANGEs it
// really holds ('high': it tries to keep a restarted replica from ever voting again); in its
// STATUS messages it claims lastExecuted 10^9 (so peers think they are behind). With
// `repropose`, it then acts on its low claim: as primary of its view it sends the replica it
// told view 0 its NEW-VIEW and a second PRE-PREPARE (the null request) for every n it
// pre-prepared in that view, inviting a second vote at each (v, n).
// Attacks: safety of a replica restarted without memory (it must not vote twice for one
// (v, n), OSDI'99 §4.2, TOCS 2002 §4.3: its view estimate needs 2f+1 fresh replies) and the
// liveness of its return to voting.
import { bytesEqual } from '../src/core/bytes.ts';
import { defineAdversary, mapSends, sendToReplica, type AdversaryApi, type AdversaryOutput } from '../src/adversary/adversary.ts';
import type { RecoveryReply, Signed, Status } from '../src/core/messages.ts';

/** How often a replica told view 0 is offered the second PRE-PREPAREs again: each time it speaks, at most this often. */
const REPROPOSE_EVERY_MS = 200;

export default defineAdversary({
  name: 'recovery-liar',
  faultModel: 'Byzantine: lies in RECOVERY-REPLY (view 0 or 10^6) and in STATUS (lastExecuted 10^9), optionally re-proposes to a replica told view 0; otherwise honest',
  attacks: "safety and liveness of a restarted replica's return to voting (TOCS 2002 §4.3)",
  options: {
    lie: { kind: 'choice', values: ['low', 'high', 'alternate'], default: 'alternate', doc: "view claimed to restarted peers: 0 ('low'), 10^6 ('high'), or each in turn" },
    statusLie: { kind: 'boolean', default: true, doc: 'claim lastExecuted 10^9 in STATUS' },
    repropose: {
      kind: 'boolean',
      default: false,
      doc: 'as primary, send a replica told view 0 its NEW-VIEW and a null-request PRE-PREPARE for every n it pre-prepared in its view, each time that replica speaks (at most every 200 ms)',
    },
  },
  create(api, options) {
    let replies = 0;
    /** Replicas told view 0, and when each was last offered the second PRE-PREPAREs. */
    const toldLow = new Map<number, number>();
    return {
      step(input) {
        const outputs = mapSends(api.step(input), (signed, to) => {
          const message = signed.message;
          const send = (replaced: typeof signed) => [to === 'all' ? { kind: 'broadcast' as const, signed: replaced } : { kind: 'send' as const, to, signed: replaced }];
          if (message.type === 'recovery-reply') {
            const low = options.lie === 'low' || (options.lie === 'alternate' && replies++ % 2 === 0);
            if (low && to !== 'all' && to.kind === 'replica' && !toldLow.has(to.id)) toldLow.set(to.id, -Infinity);
            return send(api.sign<RecoveryReply>(low ? { ...message, view: 0, proof: [] } : { ...message, view: 1_000_000 }));
          }
          if (message.type === 'status' && options.statusLie) return send(api.sign<Status>({ ...message, lastExecuted: 1_000_000_000 }));
          return send(signed);
        });
        if (!options.repropose || input.kind !== 'receive' || input.from.kind !== 'replica') return outputs;
        const lastMs = toldLow.get(input.from.id);
        if (lastMs === undefined || api.nowMs - lastMs < REPROPOSE_EVERY_MS) return outputs;
        toldLow.set(input.from.id, api.nowMs);
        return [...outputs, ...reproposals(api, input.from.id)];
      },
    };
  },
});

/** Our NEW-VIEW of the current view and a null-request PRE-PREPARE for each n we pre-prepared in it, to `to`; nothing unless we are its primary. */
function reproposals(api: AdversaryApi, to: number): AdversaryOutput[] {
  const { replica } = api;
  if (api.primaryOf(replica.view) !== api.id) return [];
  const outputs: AdversaryOutput[] = replica.newView === undefined ? [] : [sendToReplica(to, replica.newView as Signed)];
  for (const entry of replica.log.ordered()) {
    if (entry.view !== replica.view || entry.prePrepare === undefined) continue;
    const second = api.prePrepare(entry.view, entry.seq, []);
    if (bytesEqual(second.message.digest, entry.prePrepare.message.digest)) continue;
    api.note(`second PRE-PREPARE v=${entry.view} n=${entry.seq} to replica ${to}, told view 0`);
    outputs.push(sendToReplica(to, second, 1));
  }
  return outputs;
}
