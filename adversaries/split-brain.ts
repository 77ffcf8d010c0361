// split-brain: the primaries of view 0 and view 1 collude to make two groups of correct
// replicas decide differently at one sequence number s.
//
// Fault model: two colluding Byzantine replicas (f = 2, n = 7): the old primary
// (primary(0)) chooses who hears about s, and the new primary (primary(1)) votes for s
// only towards one group and then picks which VIEW-CHANGEs make up V (§4.4 lets it choose
// any 2f+1 valid ones) and what to propose in view 1.
// Attacks: agreement (§4.2 Invariant, §4.4). Against the protocol as the paper gives it,
// every attack fails: a request committed at one correct replica is prepared at f+1 correct
// ones, so every V of 2f+1 VIEW-CHANGEs carries it. Each attack is aimed at one rule whose
// removal (src/core/flaws.ts) lets it through:
//   commit-split    s commits at the target group on 2f COMMITs; V leaves the group out and
//                   view 1 puts a null request at s               (breaks 'commit-on-2f')
//   prepare-split   A to the target group, B to the rest; A prepares on 2f-1 PREPAREs, and
//                   V lists the target group first, so O picks A  (breaks 'prepare-on-2f-1')
//   fake-prepared   s prepares outside the target group but commits at one witness only
//                   (the colluders' COMMITs reach it late, once a partition has cut it off);
//                   the new primary's VIEW-CHANGE claims a null request prepared at s, and
//                   the rest execute null at s                     (breaks 'p-not-checked')
//   wrong-o         as fake-prepared, but O itself says null at s  (breaks 'new-view-o-not-recomputed')
//   digest-mismatch the old primary sends the target group a PRE-PREPARE whose batch is
//                   reordered under the original digest            (breaks 'no-pre-prepare-digest-check')
// prepare-split needs the target group cut off from the others, and fake-prepared and wrong-o
// the witness cut off from everyone, from just after s until view 1 (a network partition in
// the scenario): otherwise correct replicas catch up by retransmission before view 1 begins.
import { headerOf } from '../src/core/encoding.ts';
import type { Commit, Message, NewView, PrePrepare, Prepare, Signed, ViewChange } from '../src/core/messages.ts';
import { NULL_DIGEST, planNewView } from '../src/core/new-view.ts';
import { quorumsFor } from '../src/core/quorum.ts';
import { defineAdversary, peersOf, sendToReplica, type AdversaryApi, type AdversaryOutput } from '../src/adversary/adversary.ts';

type Attack = 'commit-split' | 'prepare-split' | 'fake-prepared' | 'wrong-o' | 'digest-mismatch';

/** What the colluders agree on, in api.shared. */
interface Plot {
  /** The sequence number under attack, once the old primary has chosen it. */
  seq?: number;
  /** prepare-split: the digest of the batch the replicas outside the target group got (B). */
  digestB?: Uint8Array;
  /** The old primary's VIEW-CHANGE, stripped of P, handed to the new primary. */
  oldPrimaryViewChange?: Signed<ViewChange>;
  /** commit-split: the null request the new primary proposed at s in view 1, for the old primary to vote for. */
  nullProposal?: { readonly digest: Uint8Array; readonly to: readonly number[]; voted: boolean };
}

const PLOT = 'split-brain';

export default defineAdversary({
  name: 'split-brain',
  faultModel: 'two colluding primaries (views 0 and 1) split the correct replicas over one sequence number',
  attacks: 'agreement (§4.2, §4.4): each attack needs one protocol rule removed to succeed',
  options: {
    attack: { kind: 'choice', values: ['commit-split', 'prepare-split', 'fake-prepared', 'wrong-o', 'digest-mismatch'], default: 'commit-split', doc: 'which rule the attack leans on (see the file header)' },
    target: { kind: 'ids', default: [2, 3], doc: 'the target group of correct replicas' },
    witnesses: { kind: 'ids', default: [4], doc: 'commit-split: correct replicas that get the PRE-PREPARE but no colluder votes' },
    atS: { kind: 'number', default: 1, min: 0, doc: 'the first PRE-PREPARE at or after this second is the one attacked' },
    commitAtS: { kind: 'number', default: 1.3, min: 0, doc: 'fake-prepared, wrong-o: when the colluders\' COMMITs for s reach the witness' },
  },
  create(api, options) {
    const plot = (api.shared.get(PLOT) as Plot | undefined) ?? {};
    api.shared.set(PLOT, plot);
    const attack = options.attack as Attack;
    const target = new Set(options.target);
    const oldPrimary = api.primaryOf(0);
    const newPrimary = api.primaryOf(1);
    const outside = peersOf(api).filter((id) => !target.has(id) && !api.faulty.includes(id));
    // Options may name replicas a small cluster does not have (the default witness at n=4).
    const sendTo = (ids: readonly number[], signed: Signed): AdversaryOutput[] => ids.filter((id) => id < api.n).map((id) => sendToReplica(id, signed));
    const isAbout = (message: Message) => plot.seq !== undefined && 'seq' in message && message.seq === plot.seq && (!('view' in message) || message.view === 0);
    if (api.id === oldPrimary) return oldPrimaryRole(api, plot, attack, target, options, sendTo, outside);
    if (api.id === newPrimary) return newPrimaryRole(api, plot, attack, target, outside, sendTo, isAbout, options);
    return { step: (input) => api.step(input) };
  },
});

type SendTo = (ids: readonly number[], signed: Signed) => AdversaryOutput[];

/** Holds sends back by `delayMs` (the driver does the waiting). */
function later(outputs: readonly AdversaryOutput[], delayMs: number): AdversaryOutput[] {
  return outputs.map((output) => (output.kind === 'send' ? { ...output, delayMs: Math.max(0, delayMs) } : output));
}

/** primary(0): picks s, tells each group its own story about s, then falls silent. */
function oldPrimaryRole(
  api: AdversaryApi,
  plot: Plot,
  attack: Attack,
  target: ReadonlySet<number>,
  options: { readonly witnesses: readonly number[]; readonly atS: number; readonly commitAtS: number },
  sendTo: SendTo,
  outside: readonly number[],
) {
  const newPrimary = api.primaryOf(1);
  const targetIds = [...target];
  const commit = (digest: Uint8Array) => api.sign<Commit>({ type: 'commit', view: 0, seq: plot.seq!, digest, replica: api.id });
  const choose = (signed: Signed<PrePrepare>): AdversaryOutput[] | undefined => {
    const { view, seq, batch } = signed.message;
    if (view !== 0 || api.nowMs < options.atS * 1000) return undefined;
    if (attack === 'digest-mismatch' && batch.length < 2) return undefined;
    plot.seq = seq;
    api.note(`attacking n=${seq} (${attack})`);
    switch (attack) {
      case 'commit-split':
        return [...sendTo([...targetIds, ...options.witnesses, newPrimary], signed), ...sendTo(targetIds, commit(signed.message.digest))];
      case 'prepare-split': {
        const other = api.prePrepare(0, seq, batch.slice(0, -1));
        plot.digestB = other.message.digest;
        return [...sendTo([...targetIds, newPrimary], signed), ...sendTo(outside, other), ...sendTo(outside, commit(other.message.digest))];
      }
      case 'fake-prepared':
      case 'wrong-o':
        return [...sendTo([...outside, newPrimary], signed), ...later(sendTo(options.witnesses, commit(signed.message.digest)), options.commitAtS * 1000 - api.nowMs)];
      case 'digest-mismatch': {
        // The same signed header, with the batch reversed: only a digest check tells them apart.
        const reordered = api.sign<PrePrepare>({ ...signed.message, batch: [...batch].reverse() });
        const honest = api.n === 4 ? [1, 2, 3].filter((id) => !target.has(id)) : outside;
        return [...sendTo(honest, signed), ...sendTo(targetIds, reordered)];
      }
    }
  };
  return {
    step: (input: Parameters<AdversaryApi['step']>[0]): AdversaryOutput[] => {
      const outputs = api.step(input);
      if (plot.seq !== undefined && attack !== 'digest-mismatch') return afterAttack(api, plot, outputs, sendTo);
      return outputs.flatMap((output) => {
        if (plot.seq !== undefined || (output.kind !== 'broadcast' && output.kind !== 'send') || output.signed.message.type !== 'pre-prepare') return [output];
        if (output.kind === 'send') return [output];
        return choose(output.signed as Signed<PrePrepare>) ?? [output];
      });
    },
  };
}

/** After the attack the old primary says nothing, except its VIEW-CHANGE (without P) to its accomplice. */
function afterAttack(api: AdversaryApi, plot: Plot, outputs: readonly AdversaryOutput[], sendTo: SendTo): AdversaryOutput[] {
  const kept: AdversaryOutput[] = [];
  const proposal = plot.nullProposal;
  if (proposal !== undefined && !proposal.voted) {
    // A backup in view 1: its PREPARE and COMMIT complete the quorums for the null request.
    proposal.voted = true;
    const vote = { view: 1, seq: plot.seq!, digest: proposal.digest, replica: api.id };
    kept.push(...sendTo(proposal.to, api.sign<Prepare>({ type: 'prepare', ...vote })), ...sendTo(proposal.to, api.sign<Commit>({ type: 'commit', ...vote })));
  }
  for (const output of outputs) {
    if (output.kind !== 'broadcast' || output.signed.message.type !== 'view-change') {
      if (output.kind === 'event' || output.kind === 'drop') kept.push(output);
      continue;
    }
    const viewChange = output.signed.message as ViewChange;
    if (viewChange.newView !== 1 || plot.oldPrimaryViewChange !== undefined) continue;
    plot.oldPrimaryViewChange = api.sign<ViewChange>({ ...viewChange, prepared: [] });
    kept.push(...sendTo([api.primaryOf(1)], plot.oldPrimaryViewChange));
  }
  return kept;
}

/** primary(1): votes for s only towards one group, then builds view 1 to suit the attack. */
function newPrimaryRole(
  api: AdversaryApi,
  plot: Plot,
  attack: Attack,
  target: ReadonlySet<number>,
  outside: readonly number[],
  sendTo: SendTo,
  isAbout: (message: Message) => boolean,
  options: { readonly witnesses: readonly number[]; readonly commitAtS: number },
) {
  const targetIds = [...target];
  const received = new Map<number, Signed<ViewChange>>();
  let own: Signed<ViewChange> | undefined;
  let newViewSent = false;
  const votesTowards = attack === 'fake-prepared' || attack === 'wrong-o' ? outside : targetIds;

  const view0Votes = (output: AdversaryOutput): AdversaryOutput[] => {
    if (output.kind !== 'broadcast' && output.kind !== 'send') return [output];
    const message = output.signed.message;
    if (!isAbout(message)) return [output];
    if (output.kind === 'send') return output.to.kind === 'replica' && votesTowards.includes(output.to.id) ? [output] : [];
    if (votesTowards === outside && message.type === 'commit') return later(sendTo(options.witnesses, output.signed), options.commitAtS * 1000 - api.nowMs);
    const extra: AdversaryOutput[] = [];
    if (attack === 'prepare-split' && message.type === 'prepare' && plot.digestB !== undefined) {
      const vote = { view: 0, seq: plot.seq!, digest: plot.digestB, replica: api.id };
      extra.push(...sendTo(outside, api.sign<Prepare>({ type: 'prepare', ...vote })), ...sendTo(outside, api.sign<Commit>({ type: 'commit', ...vote })));
    }
    return [...sendTo(votesTowards, output.signed), ...extra];
  };

  const tryNewView = (): AdversaryOutput[] => {
    if (newViewSent || own === undefined || plot.oldPrimaryViewChange === undefined || plot.seq === undefined) return [];
    const { strong } = quorumsFor(api.n);
    const fromTarget = targetIds.map((id) => received.get(id)).filter((signed) => signed !== undefined);
    const fromOutside = outside.map((id) => received.get(id)).filter((signed) => signed !== undefined);
    let v: Signed<ViewChange>[];
    if (attack === 'commit-split') v = [own, plot.oldPrimaryViewChange, ...fromOutside];
    else if (attack === 'prepare-split') v = [...fromTarget, own, plot.oldPrimaryViewChange, ...fromOutside];
    else v = [own, plot.oldPrimaryViewChange, ...fromTarget, ...fromOutside.filter((signed) => !options.witnesses.includes(signed.message.replica))];
    if (attack === 'prepare-split' && fromTarget.length < targetIds.length) return [];
    if (v.length < strong) return [];
    v = v.slice(0, strong);
    newViewSent = true;
    const plan = planNewView(v.map((signed) => signed.message));
    const digests = new Map(plan.digests.map(({ seq, digest }) => [seq, digest]));
    if (attack === 'wrong-o') for (let seq = plan.minS + 1; seq <= plot.seq; seq++) if (seq === plot.seq || !digests.has(seq)) digests.set(seq, NULL_DIGEST);
    const prePrepares = [...digests].sort(([a], [b]) => a - b).map(([seq, digest]) => headerOf(api.sign<PrePrepare>({ type: 'pre-prepare', view: 1, seq, digest, replica: api.id, batch: [] })));
    const newView = api.sign<NewView>({ type: 'new-view', newView: 1, viewChanges: v, prePrepares, replica: api.id });
    api.note(`NEW-VIEW 1 with V from ${v.map((signed) => signed.message.replica).join(',')}; O up to n=${Math.max(0, ...digests.keys())}`);
    const outputs: AdversaryOutput[] = [{ kind: 'broadcast', signed: newView }];
    if (attack === 'commit-split' && !digests.has(plot.seq)) outputs.push(...proposeNull(api, plot, outside, sendTo));
    return outputs;
  };

  return {
    step: (input: Parameters<AdversaryApi['step']>[0]): AdversaryOutput[] => {
      if (input.kind === 'receive') {
        const signed = api.decode(input.frame);
        if (signed?.message.type === 'view-change' && signed.message.newView === 1) received.set(signed.message.replica, signed as Signed<ViewChange>);
      }
      const outputs = api.step(input).flatMap((output): AdversaryOutput[] => {
        if (output.kind === 'broadcast' && output.signed.message.type === 'view-change' && output.signed.message.newView === 1) {
          own ??= stripOrFake(api, output.signed as Signed<ViewChange>, attack, plot);
          return [{ kind: 'broadcast', signed: own }];
        }
        // Its honest core would build its own NEW-VIEW; the colluders' one goes out instead.
        if ((output.kind === 'broadcast' || output.kind === 'send') && output.signed.message.type === 'new-view') return [];
        return view0Votes(output);
      });
      return [...outputs, ...tryNewView()];
    },
  };
}

/** The new primary's own VIEW-CHANGE: P dropped, or (fake-prepared) a null request claimed prepared at s. */
function stripOrFake(api: AdversaryApi, honest: Signed<ViewChange>, attack: Attack, plot: Plot): Signed<ViewChange> {
  if (attack === 'wrong-o') return honest;
  if (attack !== 'fake-prepared' || plot.seq === undefined) return api.sign<ViewChange>({ ...honest.message, prepared: [] });
  const header = headerOf(api.sign<PrePrepare>({ type: 'pre-prepare', view: 0, seq: plot.seq, digest: NULL_DIGEST, replica: api.primaryOf(0), batch: [] }));
  const kept = honest.message.prepared.filter((certificate) => certificate.prePrepare.message.seq !== plot.seq);
  return api.sign<ViewChange>({ ...honest.message, prepared: [...kept, { prePrepare: header, prepares: [] }] });
}

/** commit-split: a null request at s in view 1 to the replicas outside the target; the old primary votes for it too. */
function proposeNull(api: AdversaryApi, plot: Plot, outside: readonly number[], sendTo: SendTo): AdversaryOutput[] {
  const seq = plot.seq!;
  const prePrepare = api.prePrepare(1, seq, []);
  plot.nullProposal = { digest: prePrepare.message.digest, to: outside, voted: false };
  api.note(`proposing null at n=${seq} in view 1 to ${outside.join(',')}`);
  return [...sendTo(outside, prePrepare), ...sendTo(outside, api.sign<Commit>({ type: 'commit', view: 1, seq, digest: prePrepare.message.digest, replica: api.id }))];
}
