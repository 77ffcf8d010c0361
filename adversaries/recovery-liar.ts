// recovery-liar: a replica that lies to restarted peers about how far the cluster got.
//
// Fault model: Byzantine, honest in everything else. In its RECOVERY-REPLYs it claims view 0
// with no proof ('low': it tries to make a restarted replica think it never voted, so that
// it votes again in a view where it already did), or view 10^6 with the VIEW-CHANGEs it
// really holds ('high': it tries to keep a restarted replica from ever voting again); in its
// STATUS messages it claims lastExecuted 10^9 (so peers think they are behind).
// Attacks: safety of a replica restarted without memory (it must not vote twice for one
// (v, n), OSDI'99 §4.2, TOCS 2002 §4.3) and the liveness of its return to voting.
import { defineAdversary, mapSends } from '../src/adversary/adversary.ts';
import type { RecoveryReply, Status } from '../src/core/messages.ts';

export default defineAdversary({
  name: 'recovery-liar',
  faultModel: 'Byzantine: lies in RECOVERY-REPLY (view 0 or 10^6) and in STATUS (lastExecuted 10^9); otherwise honest',
  attacks: "safety and liveness of a restarted replica's return to voting (TOCS 2002 §4.3)",
  options: {
    lie: { kind: 'choice', values: ['low', 'high', 'alternate'], default: 'alternate', doc: "view claimed to restarted peers: 0 ('low'), 10^6 ('high'), or each in turn" },
    statusLie: { kind: 'boolean', default: true, doc: 'claim lastExecuted 10^9 in STATUS' },
  },
  create(api, options) {
    let replies = 0;
    return {
      step: (input) =>
        mapSends(api.step(input), (signed, to) => {
          const message = signed.message;
          const send = (replaced: typeof signed) => [to === 'all' ? { kind: 'broadcast' as const, signed: replaced } : { kind: 'send' as const, to, signed: replaced }];
          if (message.type === 'recovery-reply') {
            const low = options.lie === 'low' || (options.lie === 'alternate' && replies++ % 2 === 0);
            return send(api.sign<RecoveryReply>(low ? { ...message, view: 0, proof: [] } : { ...message, view: 1_000_000 }));
          }
          if (message.type === 'status' && options.statusLie) return send(api.sign<Status>({ ...message, lastExecuted: 1_000_000_000 }));
          return send(signed);
        }),
    };
  },
});
