// Byzantine replicas for test/sweeps/flaw-catalogue.test.ts: each tells one plain lie a
// faulty replica could tell, in the style of adversaries/ (an honest core, one message
// kind rewritten), not a schedule aimed at one flaw. Against the protocol as the paper
// gives it every lie is refused; each matters only to a replica that skips the check the
// lie is aimed at (src/core/flaws.ts).
import { defineAdversary, mapSends, sendToReplica, type AdversaryApi, type AdversaryOutput } from '../../src/adversary/adversary.ts';
import type { ClientEntry, NewView, Signed, StateTransfer, ViewChange } from '../../src/core/messages.ts';
import { planNewView } from '../../src/core/new-view.ts';

/** An output with `signed` in place of the honest message, to the same destination. */
function resent(to: Parameters<Parameters<typeof mapSends>[1]>[1], signed: Signed): AdversaryOutput {
  return to === 'all' ? { kind: 'broadcast', signed } : { kind: 'send', to, signed };
}

/** A replica that rewrites every STATE it sends with `lie` and signs it again with its own key. */
function stateLiar(about: { readonly name: string; readonly faultModel: string; readonly attacks: string }, lie: (state: StateTransfer, api: AdversaryApi) => StateTransfer) {
  return defineAdversary({
    ...about,
    options: {},
    create(api) {
      return {
        step: (input) =>
          mapSends(api.step(input), (signed, to) => [resent(to, signed.message.type === 'state' ? api.sign<StateTransfer>(lie(signed.message as StateTransfer, api)) : signed)]),
      };
    },
  });
}

/**
 * Lies in VIEW-CHANGE about its stable checkpoint: it names one L sequence numbers beyond
 * its own, with its own (real) proof, and leaves out P; as a new primary it puts that
 * VIEW-CHANGE in its V and computes O from it. §4.4: C must prove the named checkpoint,
 * so a correct replica refuses the VIEW-CHANGE (and a NEW-VIEW whose V holds it); one that
 * does not check C ('checkpoint-proof-not-checked') takes min-s from it, above anything
 * any replica can execute to, and the view stalls.
 */
export const stableCheckpointLiar = defineAdversary({
  name: 'stable-checkpoint-liar',
  faultModel: 'Byzantine: its VIEW-CHANGEs name a stable checkpoint L beyond its own, under its real proof',
  attacks: 'min-s of NEW-VIEW: the checkpoint V names must be proven by 2f+1 CHECKPOINTs (OSDI\'99 §4.4)',
  options: {},
  create(api) {
    const lie = (viewChange: ViewChange): Signed<ViewChange> =>
      api.sign<ViewChange>({ ...viewChange, stableSeq: viewChange.stableSeq + api.parameters.logWindow, prepared: [] });
    const rewrite = (signed: Signed): Signed => {
      const message = signed.message;
      if (message.type === 'view-change' && message.replica === api.id) return lie(message);
      if (message.type !== 'new-view' || message.replica !== api.id) return signed;
      const viewChanges = message.viewChanges.map((viewChange) => (viewChange.message.replica === api.id ? lie(viewChange.message) : viewChange));
      const plan = planNewView(viewChanges.map((viewChange) => viewChange.message));
      const prePrepares = plan.digests.map(({ seq, digest }) => api.prePrepareHeader(message.newView, seq, digest));
      return api.sign<NewView>({ ...message, viewChanges, prePrepares });
    };
    return { step: (input) => mapSends(api.step(input), (signed, to) => [resent(to, rewrite(signed))]) };
  },
});

/**
 * Lies in STATE about the client table: every client's last t is raised by 1000, results
 * kept. §4.3: the checkpoint digest covers the client table, so a correct replica refuses
 * the state; one whose digest leaves the table out ('client-table-not-in-checkpoint')
 * installs it, and then skips every request of those clients as already executed.
 */
export const clientTableLiar = stateLiar(
  {
    name: 'client-table-liar',
    faultModel: 'Byzantine: the STATE it sends carries a client table whose timestamps are raised',
    attacks: 'state transfer: the state must hash to the digest 2f+1 CHECKPOINTs certify, client table included (OSDI\'99 §4.3)',
  },
  (state) => ({ ...state, clients: state.clients.map(([client, timestamp, result]): ClientEntry => [client, timestamp + 1000, result]) }),
);

/**
 * As a new primary, proposes every entry of its O a second time: once its NEW-VIEW is out,
 * it sends each backup a full PRE-PREPARE of the null request for every O entry that
 * orders a real batch. §4.4: an O entry holds its slot, fetched batch or not, so a correct
 * backup refuses it; one whose O entries do not ('o-entry-slot-not-held') prepares the null
 * request there, and then, when the batch arrives, O's digest too.
 */
export const oEquivocator = defineAdversary({
  name: 'o-equivocator',
  faultModel: 'Byzantine new primary: a second PRE-PREPARE (the null request) for every non-null entry of its O',
  attacks: 'one digest per (v, n) at a backup, O entries included (OSDI\'99 §4.2, §4.4)',
  options: {},
  create(api) {
    return {
      step: (input) => {
        const outputs = api.step(input);
        const extra: AdversaryOutput[] = [];
        for (const output of outputs) {
          if (output.kind !== 'broadcast' || output.signed.message.type !== 'new-view' || output.signed.message.replica !== api.id) continue;
          for (const header of output.signed.message.prePrepares) {
            const { view, seq } = header.message;
            const nullRequest = api.prePrepare(view, seq, []);
            if (nullRequest.message.digest.every((byte, index) => byte === header.message.digest[index])) continue;
            api.note(`second PRE-PREPARE v=${view} n=${seq}: the null request`);
            for (let backup = 0; backup < api.n; backup++) if (backup !== api.id) extra.push(sendToReplica(backup, nullRequest, 1));
          }
        }
        return [...outputs, ...extra];
      },
    };
  },
});

/**
 * Forwards short proofs: the STATE it sends carries f+1 of its 2f+1 CHECKPOINTs. §4.3: a
 * correct replica refuses a STATE without 2f+1; one that takes f+1
 * ('state-proof-on-f-plus-1') installs a state that is right (f+1 signers include a correct
 * one) under a proof no one else accepts, which its VIEW-CHANGEs then carry as C.
 */
export const stateProofTrimmer = stateLiar(
  {
    name: 'state-proof-trimmer',
    faultModel: 'Byzantine: the STATE it sends carries only f+1 of the 2f+1 CHECKPOINTs of its proof',
    attacks: 'state transfer: a STATE proves its checkpoint with 2f+1 CHECKPOINTs (OSDI\'99 §4.3)',
  },
  (state, api) => ({ ...state, proof: state.proof.slice(0, api.f + 1) }),
);
