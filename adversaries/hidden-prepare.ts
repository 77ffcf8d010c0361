// hidden-prepare: a primary that gets one sequence number prepared at a single correct
// replica, and then keeps it out of the next view.
//
// Fault model: a Byzantine primary of view 0 (it behaves honestly anywhere else). At the
// first PRE-PREPARE it sends at or after `atS`, for sequence number s, it sends it to the
// `first` backups at once, to the `late` backups `lateMs` later, and to nobody else, ever:
// its honest core's retransmissions of it are dropped. A late backup then prepares s on its
// own PREPARE and those of the first backups, which reached it early, while the first backups
// never see a late one's PREPARE if the scenario cuts them off in between (a network
// partition). The primary's honest core prepares s too, on those PREPAREs, and so does what a
// replica with tentative execution does (OSDI'99 §5.1, src/core/tentative.ts): it replies
// tentatively, as does the late backup. Its COMMIT for s is dropped, so s never commits, the
// primary (which keeps one batch in flight) orders nothing more, and the backups vote it out.
// Its VIEW-CHANGE leaves s out of P, so a new primary that hears from it and the first
// backups, not from the late one, finds no prepared certificate for s and fills s anew.
// Attacks: tentative execution's quorum (§5.1): a client accepts 2f+1 matching replies,
// tentative or not, since 2f+1 tentative replies come from f+1 correct replicas that
// prepared, which is committed(m, v, n) of §4.2 and survives every view change (§4.4). Here
// one correct replica and the faulty one replied: f+1, not committed, and replaced in view 1.
// A client that accepted f+1 tentative replies ('tentative-on-f-plus-1', src/core/flaws.ts)
// holds a result its request never had.
import { defineAdversary, sendToReplica, type AdversaryOutput } from '../src/adversary/adversary.ts';
import type { Message, PrePrepare, Signed, ViewChange } from '../src/core/messages.ts';

export default defineAdversary({
  name: 'hidden-prepare',
  faultModel: 'Byzantine primary of view 0: one PRE-PREPARE to some backups, late to others, to the rest never; its VIEW-CHANGE hides that it prepared',
  attacks: 'tentative execution (§5.1): only 2f+1 matching tentative replies make a result; f+1 may come from a batch a view change replaces (§4.4)',
  options: {
    atS: { kind: 'number', default: 1, min: 0, doc: 'attack the first PRE-PREPARE sent at or after this second' },
    first: { kind: 'ids', default: [2], doc: 'backups that get that PRE-PREPARE at once' },
    late: { kind: 'ids', default: [3], doc: 'backups that get it lateMs later; they prepare it on the first backups\' PREPAREs' },
    lateMs: { kind: 'integer', default: 200, min: 1, doc: 'how much later the late backups get it' },
  },
  create(api, options) {
    if (api.id !== api.primaryOf(0)) return { step: (input) => api.step(input) };
    /** s, once chosen. */
    let attacked: number | undefined;
    const aboutS = (message: Message) => attacked !== undefined && 'seq' in message && message.seq === attacked && 'view' in message && message.view === 0;

    const attack = (signed: Signed<PrePrepare>): AdversaryOutput[] => {
      attacked = signed.message.seq;
      api.note(`PRE-PREPARE n=${attacked}: now to ${options.first.join(',')}, in ${options.lateMs} ms to ${options.late.join(',')}, never to the others`);
      const ids = (list: readonly number[]) => list.filter((id) => id !== api.id && id < api.n);
      return [...ids(options.first).map((id) => sendToReplica(id, signed)), ...ids(options.late).map((id) => sendToReplica(id, signed, options.lateMs))];
    };

    /** Its VIEW-CHANGE, re-signed without the prepared certificate for s. */
    const hide = (signed: Signed<ViewChange>): Signed<ViewChange> => {
      const prepared = signed.message.prepared.filter((certificate) => certificate.prePrepare.message.seq !== attacked);
      if (prepared.length === signed.message.prepared.length) return signed;
      api.note(`VIEW-CHANGE v=${signed.message.newView}: n=${attacked} left out of P`);
      return api.sign<ViewChange>({ ...signed.message, prepared });
    };

    const rewrite = (output: AdversaryOutput): AdversaryOutput[] => {
      if (output.kind !== 'send' && output.kind !== 'broadcast') return [output];
      const message = output.signed.message;
      const due = attacked === undefined && api.nowMs >= options.atS * 1000 && output.kind === 'broadcast';
      if (due && message.type === 'pre-prepare' && message.view === 0) return attack(output.signed as Signed<PrePrepare>);
      // Its core's retransmissions of s, and its COMMIT for s: s must prepare nowhere else and commit nowhere.
      if ((message.type === 'pre-prepare' || message.type === 'commit') && aboutS(message)) return [];
      if (message.type === 'view-change' && attacked !== undefined) return [{ ...output, signed: hide(output.signed as Signed<ViewChange>) }];
      return [output];
    };

    return { step: (input) => api.step(input).flatMap(rewrite) };
  },
});
