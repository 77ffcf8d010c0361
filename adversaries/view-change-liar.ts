// view-change-liar: a replica that lies in the view-change protocol.
//
// Fault model: a Byzantine replica that runs the protocol honestly but rewrites every
// VIEW-CHANGE and NEW-VIEW it sends. In VIEW-CHANGE it puts fabricated prepared
// certificates into P (a seq it never saw, a digest nobody prepared, forged PREPAREs) or
// partial ones (too few PREPAREs, PREPAREs for another seq, one PREPARE counted twice), or
// it names a stable checkpoint L beyond its own under its real proof C, P left out.
// As the new primary its NEW-VIEW carries an O that V does not imply (another digest, the
// null request for a batch, a missing or an extra seq), or a V of fewer than 2f+1
// VIEW-CHANGEs; or, its NEW-VIEW honest, it pre-prepares every O entry a second time with
// another digest. It also sends
// lying VIEW-CHANGEs on its own, unprompted, so that its lies reach the others in any view.
// Attacks: safety across views (OSDI'99 §4.4; TOCS 2002 §2.4.5): a forged P entry or a
// wrong O could make a new view re-order a committed request. Every certificate inside
// VIEW-CHANGE and V is checked, C included (§4.4), backups recompute O from V and reject a
// primary whose O differs (§4.4), then vote it out by moving to v+2 (§4.5.2); an O entry
// holds its (v, n) like any accepted PRE-PREPARE, so a second digest there is refused (§4.2).
import { bytesEqual } from '../src/core/bytes.ts';
import { defineAdversary, mapSends, sendToReplica, type AdversaryApi, type AdversaryOutput } from '../src/adversary/adversary.ts';
import { headerOf } from '../src/core/encoding.ts';
import type { NewView, PreparedCertificate, Prepare, PrePrepare, PrePrepareHeader, Signed, ViewChange } from '../src/core/messages.ts';
import { planNewView } from '../src/core/new-view.ts';

type Lie = 'fabricated-p' | 'partial-p' | 'wrong-o' | 'short-v' | 'unproven-checkpoint' | 'second-o';
/** The lies 'all' picks from: the later ones are drawn only by name, so 'all' attacks as it always did. */
const ANY_LIES: readonly Lie[] = ['fabricated-p', 'partial-p', 'wrong-o', 'short-v'];
const VIEW_CHANGE_LIES: readonly Lie[] = ['fabricated-p', 'partial-p', 'unproven-checkpoint'];
const NEW_VIEW_LIES: readonly Lie[] = ['fabricated-p', 'partial-p', 'wrong-o', 'short-v', 'unproven-checkpoint'];

export default defineAdversary({
  name: 'view-change-liar',
  faultModel: 'lies in VIEW-CHANGE (fabricated or partial prepared certificates, an unproven stable checkpoint) and, as new primary, in NEW-VIEW (wrong O, short V) or after it (O entries pre-prepared again)',
  attacks: 'safety across views: certificates in VIEW-CHANGE and V are checked and O is recomputed from V (§4.4); a lying primary is voted out (§4.5.2)',
  options: {
    lie: {
      kind: 'choice',
      values: ['fabricated-p', 'partial-p', 'wrong-o', 'short-v', 'unproven-checkpoint', 'second-o', 'all'] as const,
      default: 'all',
      doc:
        "which lie: 'fabricated-p' and 'partial-p' lie in P (in VIEW-CHANGE, and in its own VIEW-CHANGE inside V); 'unproven-checkpoint' names a stable checkpoint L beyond its own under its real C, P left out (in the same places); " +
        "'wrong-o' and 'short-v' lie in NEW-VIEW only; 'second-o', as new primary, sends with every NEW-VIEW (honest) a PRE-PREPARE of the null request for every other O entry, to each replica the NEW-VIEW goes to; 'all' picks one of the first four at random per message",
    },
    proactiveEveryS: {
      kind: 'number',
      default: 1,
      min: 0,
      doc: "also broadcast an unprompted lying VIEW-CHANGE for the next view this often (0: never; only for lies in VIEW-CHANGE: P, 'unproven-checkpoint', 'all')",
    },
  },
  create(api, options) {
    const liar = new Liar(api, options.lie);
    const everyMs = options.proactiveEveryS * 1000;
    let proactiveAtMs = everyMs;
    return {
      step(input) {
        const outputs = liar.rewrite(api.step(input));
        if (options.lie === 'second-o') outputs.push(...liar.secondO(outputs));
        if (everyMs > 0 && input.kind === 'tick' && input.nowMs >= proactiveAtMs) {
          proactiveAtMs = input.nowMs + everyMs;
          const unprompted = liar.unpromptedViewChange();
          if (unprompted !== undefined) outputs.push({ kind: 'broadcast', signed: unprompted });
        }
        return outputs;
      },
    };
  },
});

class Liar {
  /** One lie per honest message, so that every retransmission tells the same story. */
  private readonly told = new WeakMap<Uint8Array, Signed>();

  constructor(
    private readonly api: AdversaryApi,
    private readonly lie: Lie | 'all',
  ) {}

  rewrite(outputs: readonly AdversaryOutput[]): AdversaryOutput[] {
    return mapSends(outputs, (signed, to) => {
      const lied = this.lieAbout(signed);
      return [to === 'all' ? { kind: 'broadcast', signed: lied } : { kind: 'send', to, signed: lied }];
    });
  }

  /** A lying VIEW-CHANGE for the view after the current one, built from scratch. */
  unpromptedViewChange(): Signed<ViewChange> | undefined {
    const lie = this.pick(VIEW_CHANGE_LIES);
    if (lie === undefined) return undefined;
    const { seq, proof } = this.api.replica.checkpoints.stable;
    const honest: ViewChange = { type: 'view-change', newView: this.api.replica.view + 1, stableSeq: seq, checkpointProof: proof, prepared: [], replica: this.api.id };
    return this.api.sign(this.lieInViewChange(honest, lie));
  }

  private lieAbout(signed: Signed): Signed {
    const { message } = signed;
    if ((message.type !== 'view-change' && message.type !== 'new-view') || message.replica !== this.api.id) return signed;
    const known = this.told.get(signed.frame);
    if (known !== undefined) return known;
    let lied: Signed = signed;
    if (message.type === 'view-change') {
      const lie = this.pick(VIEW_CHANGE_LIES);
      if (lie !== undefined) lied = this.api.sign(this.lieInViewChange(message, lie));
    } else {
      const lie = this.pick(NEW_VIEW_LIES);
      if (lie !== undefined) lied = this.api.sign(this.lieInNewView(signed as Signed<NewView>, lie));
    }
    this.told.set(signed.frame, lied);
    return lied;
  }

  /**
   * For every O entry of a NEW-VIEW of ours among `outputs` that orders a real batch, a
   * second PRE-PREPARE for its (v, n), of the null request, to each replica the NEW-VIEW
   * goes to: every backup when it is broadcast, one when the honest core resends it to a
   * replica still changing views (the one most likely to be fetching O's batches). Sent
   * 1 ms late, so that it arrives after the NEW-VIEW, while a backup may still be fetching.
   */
  secondO(outputs: readonly AdversaryOutput[]): AdversaryOutput[] {
    const { api } = this;
    const extra: AdversaryOutput[] = [];
    for (const output of outputs) {
      if ((output.kind !== 'broadcast' && output.kind !== 'send') || output.signed.message.type !== 'new-view' || output.signed.message.replica !== api.id) continue;
      if (output.kind === 'send' && output.to.kind !== 'replica') continue;
      const backups = output.kind === 'send' ? [output.to.id] : Array.from({ length: api.n }, (_, id) => id).filter((id) => id !== api.id);
      for (const header of output.signed.message.prePrepares) {
        const { view, seq, digest } = header.message;
        const nullRequest = api.prePrepare(view, seq, []);
        if (bytesEqual(nullRequest.message.digest, digest)) continue;
        api.note(`second PRE-PREPARE v=${view} n=${seq}: the null request, to ${backups.join(', ')}`);
        for (const backup of backups) extra.push(sendToReplica(backup, nullRequest, 1));
      }
    }
    return extra;
  }

  /** The configured lie if it fits this message, a random fitting one for 'all'. */
  private pick(fitting: readonly Lie[]): Lie | undefined {
    if (this.lie !== 'all') return fitting.includes(this.lie) ? this.lie : undefined;
    const any = fitting.filter((lie) => ANY_LIES.includes(lie));
    return any[this.api.rng.int(0, any.length - 1)];
  }

  // --- VIEW-CHANGE: P ---------------------------------------------------------------------

  private lieInViewChange(viewChange: ViewChange, lie: Lie): ViewChange {
    if (lie === 'unproven-checkpoint') return this.unprovenCheckpoint(viewChange);
    const partial = lie === 'partial-p' ? this.partialCertificate(viewChange) : undefined;
    const certificate = partial ?? this.fabricatedCertificate(viewChange);
    const seq = certificate.prePrepare.message.seq;
    const prepared = [...viewChange.prepared.filter((held) => held.prePrepare.message.seq !== seq), certificate];
    prepared.sort((a, b) => a.prePrepare.message.seq - b.prePrepare.message.seq);
    this.api.note(`VIEW-CHANGE v=${viewChange.newView}: ${partial === undefined ? 'fabricated' : 'partial'} certificate for n=${seq}`);
    return { ...viewChange, prepared };
  }

  /**
   * A stable checkpoint L beyond the one C proves, P left out: min-s of the next view would
   * be a checkpoint no replica can have executed to, unless C is checked (§4.4).
   */
  private unprovenCheckpoint(viewChange: ViewChange): ViewChange {
    const stableSeq = viewChange.stableSeq + this.api.parameters.logWindow;
    this.api.note(`VIEW-CHANGE v=${viewChange.newView}: stable checkpoint ${stableSeq} under the proof of ${viewChange.stableSeq}`);
    return { ...viewChange, stableSeq, prepared: [] };
  }

  /**
   * A certificate for a seq this replica never saw, for a digest nobody prepared: a
   * header in the name of primary(v') (genuine only if that is us) and 2f PREPAREs
   * signed with our key in other replicas' names.
   */
  private fabricatedCertificate(viewChange: ViewChange): PreparedCertificate {
    const { api } = this;
    const window = api.parameters.logWindow;
    const beyond = Math.max(viewChange.stableSeq, api.replica.log.highestSeq, api.replica.lastExecuted) + api.rng.int(1, 3);
    const seq = beyond <= viewChange.stableSeq + window ? beyond : viewChange.stableSeq + api.rng.int(1, window);
    const ownViews = viewChange.newView > api.id ? [api.id + api.n * Math.floor((viewChange.newView - 1 - api.id) / api.n)] : [];
    const view = ownViews.length > 0 && api.rng.chance(0.5) ? ownViews[0]! : viewChange.newView - 1;
    const digest = api.sha256(Uint8Array.from({ length: 16 }, () => api.rng.int(0, 255)));
    const primary = api.primaryOf(view);
    const header = headerOf(api.sign<PrePrepare>({ type: 'pre-prepare', view, seq, digest, replica: primary, batch: [] }));
    const voters = Array.from({ length: api.n }, (_, id) => id).filter((id) => id !== primary).slice(0, 2 * api.f);
    const prepares = voters.map((replica) => api.sign<Prepare>({ type: 'prepare', view, seq, digest, replica }));
    return { prePrepare: header, prepares };
  }

  /**
   * A certificate from genuine parts that do not add up: a real PRE-PREPARE from our log
   * with too few PREPAREs, with PREPAREs for another seq, or with one PREPARE counted
   * 2f times. Undefined when the log holds no PRE-PREPARE to build on.
   */
  private partialCertificate(viewChange: ViewChange): PreparedCertificate | undefined {
    const { api } = this;
    const entries = api.replica.log
      .ordered()
      .filter((entry) => entry.prePrepare !== undefined && entry.view < viewChange.newView && entry.seq > viewChange.stableSeq && entry.seq <= viewChange.stableSeq + api.parameters.logWindow);
    const entry = entries[api.rng.int(0, entries.length - 1)];
    if (entry === undefined) return undefined;
    const prePrepare = headerOf(entry.prePrepare!);
    const votesOf = (source: typeof entry) => source.prepares.voters(() => true).map((replica) => source.prepares.get(replica)!) as Signed<Prepare>[];
    const genuine = votesOf(entry);
    const others = entries.filter((other) => other.seq !== entry.seq && other.prepares.size > 0);
    const variant = api.rng.int(0, 2);
    if (variant === 1 && others.length > 0) {
      return { prePrepare, prepares: votesOf(others[api.rng.int(0, others.length - 1)]!).slice(0, 2 * api.f) };
    }
    if (variant === 2 && genuine.length > 0) return { prePrepare, prepares: Array.from({ length: 2 * api.f }, () => genuine[0]!) };
    return { prePrepare, prepares: genuine.slice(0, 2 * api.f - 1) };
  }

  // --- NEW-VIEW: V and O --------------------------------------------------------------------

  private lieInNewView(signed: Signed<NewView>, lie: Lie): NewView {
    const newView = signed.message;
    switch (lie) {
      case 'fabricated-p':
      case 'partial-p':
      case 'unproven-checkpoint':
        return this.withLyingViewChange(newView);
      case 'wrong-o':
        return this.withWrongO(newView);
      case 'short-v':
        return this.withShortV(newView);
      case 'second-o':
        return newView;
    }
  }

  /** Our own VIEW-CHANGE in V swapped for the lying one, and O honestly computed from that V. */
  private withLyingViewChange(newView: NewView): NewView {
    const own = newView.viewChanges.find((viewChange) => viewChange.message.replica === this.api.id);
    const template = own?.message ?? newView.viewChanges[0]?.message;
    if (template === undefined) return newView;
    const lying = this.lieAbout(own ?? this.api.sign<ViewChange>({ ...template, replica: this.api.id })) as Signed<ViewChange>;
    const viewChanges = [...newView.viewChanges.filter((viewChange) => viewChange.message.replica !== this.api.id), lying];
    this.api.note(`NEW-VIEW v=${newView.newView}: V holds our lying VIEW-CHANGE`);
    return { ...newView, viewChanges, prePrepares: this.o(newView.newView, viewChanges) };
  }

  /**
   * V as is, O changed: one entry with another digest (one nobody can fetch, or the null
   * request's, which every replica can execute), one missing, or one extra past max-s. The
   * null request in place of a batch that committed in the last view is the dangerous one
   * (§4.4): a backup that takes O on trust and lacks that batch executes null there.
   */
  private withWrongO(newView: NewView): NewView {
    const { api } = this;
    const o = [...newView.prePrepares];
    const variant = o.length === 0 ? 2 : api.rng.int(0, 3);
    const digest = api.sha256(Uint8Array.from({ length: 16 }, () => api.rng.int(0, 255)));
    if (variant === 0 || variant === 3) {
      const index = api.rng.int(0, o.length - 1);
      const { seq } = o[index]!.message;
      o[index] = this.header(newView.newView, seq, variant === 3 ? api.prePrepare(newView.newView, seq, []).message.digest : digest);
    } else if (variant === 1) {
      o.splice(api.rng.int(0, o.length - 1), 1);
    } else {
      const maxS = o.at(-1)?.message.seq ?? planNewView(newView.viewChanges.map((viewChange) => viewChange.message)).maxS;
      o.push(this.header(newView.newView, maxS + 1, digest));
    }
    api.note(`NEW-VIEW v=${newView.newView}: O ${['with another digest', 'missing an entry', 'with an extra entry', 'with the null request for a batch'][variant]}`);
    return { ...newView, prePrepares: o };
  }

  /** 2f VIEW-CHANGEs, or 2f+1 entries from 2f senders, with O computed from what is there. */
  private withShortV(newView: NewView): NewView {
    const { api } = this;
    const kept = newView.viewChanges.slice(0, 2 * api.f);
    const duplicate = api.rng.chance(0.5) && kept.length > 0;
    const viewChanges = duplicate ? [...kept, kept[0]!] : kept;
    api.note(`NEW-VIEW v=${newView.newView}: V of ${viewChanges.length} entries${duplicate ? ' (one twice)' : ''}`);
    return { ...newView, viewChanges, prePrepares: this.o(newView.newView, viewChanges) };
  }

  private o(view: number, viewChanges: readonly Signed<ViewChange>[]): Signed<PrePrepareHeader>[] {
    return planNewView(viewChanges.map((viewChange) => viewChange.message)).digests.map(({ seq, digest }) => this.header(view, seq, digest));
  }

  private header(view: number, seq: number, digest: Uint8Array): Signed<PrePrepareHeader> {
    return headerOf(this.api.sign<PrePrepare>({ type: 'pre-prepare', view, seq, digest, replica: this.api.id, batch: [] }));
  }
}
