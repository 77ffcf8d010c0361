// mutate: small-scope message mutations in a few protocol rounds (ByzzFuzz: Winter et
// al., "Randomized Testing of Byzantine Fault Tolerant Algorithms", OOPSLA 2023).
//
// Fault model: a Byzantine replica that runs the protocol honestly except in a few
// rounds, (view, seq, phase) triples the run's Rng picks before it starts, among the
// phases it sends in that view. In those
// rounds what it sends to a random part of the receivers is mutated and signed again
// with its own key: the view or the sequence number moved by one, another digest (as
// primary: another batch, or the same batch under a wrong digest), or nothing at all.
// The rest of the receivers get the honest message, so a mutation is also equivocation.
// Attacks: the normal-case agreement of OSDI'99 §4.2 (a prepared certificate needs 2f
// matching PREPAREs for one (v, n, d), so one replica's mutated votes cannot make one)
// and the gateway's checks of view, watermarks and batch digest (§4.2, §4.3).
import { defineAdversary, drawVictims, mapSends, peersOf, sendToReplica, type AdversaryApi, type AdversaryOutput } from '../src/adversary/adversary.ts';
import type { Peer } from '../src/core/gateway.ts';
import type { Commit, Prepare, PrePrepare, Signed } from '../src/core/messages.ts';

type Phase = 'pre-prepare' | 'prepare' | 'commit';
type Mutation = 'view' | 'seq' | 'digest' | 'omit';
const PHASES: readonly Phase[] = ['pre-prepare', 'prepare', 'commit'];
const MUTATIONS: readonly Mutation[] = ['view', 'seq', 'digest', 'omit'];
type Voted = PrePrepare | Prepare | Commit;

export default defineAdversary({
  name: 'mutate',
  faultModel: 'in a few rng-chosen (view, seq, phase) rounds, sends mutated messages (view±1, seq±1, another digest, omission) to some receivers',
  attacks: 'normal-case agreement: one replica cannot make a prepared certificate (§4.2); the gateway checks view, watermarks and digests (§4.2–4.3)',
  options: {
    rounds: { kind: 'integer', default: 4, min: 1, max: 1000, doc: 'how many (view, seq, phase) rounds are attacked' },
    maxSeq: { kind: 'integer', default: 60, min: 1, doc: 'rounds are drawn from sequence numbers 1..maxSeq' },
    maxView: { kind: 'integer', default: 0, min: 0, doc: 'rounds are drawn from views 0..maxView (raise it for runs with view changes)' },
    phases: { kind: 'choice', values: ['all', 'pre-prepare', 'prepare', 'commit'] as const, default: 'all', doc: 'which phase the rounds attack (pre-prepare only matters while this replica is primary)' },
    mutations: { kind: 'choice', values: ['all', 'view', 'seq', 'digest', 'omit'] as const, default: 'all', doc: "which mutation is applied ('all': one at random per message)" },
  },
  create(api, options) {
    const rounds = drawRounds(api, options.rounds, options.maxView, options.maxSeq, options.phases === 'all' ? PHASES : [options.phases]);
    api.note(`attacking rounds ${[...rounds].join(' ')}`);
    const mutator = new Mutator(api, rounds, options.mutations === 'all' ? MUTATIONS : [options.mutations]);
    return { step: (input) => mutator.rewrite(api.step(input)) };
  },
});

/**
 * `count` distinct rounds in which this replica sends something: PRE-PREPARE only in views
 * it leads, PREPARE only in views it does not (§4.2), COMMIT in any. A phase it never
 * sends in any view it may draw (PRE-PREPARE for a replica that leads none) gives fewer.
 */
function drawRounds(api: AdversaryApi, count: number, maxView: number, maxSeq: number, phases: readonly Phase[]): Set<string> {
  const rounds = new Set<string>();
  for (let attempt = 0; attempt < count * 20 && rounds.size < count; attempt++) {
    const view = api.rng.int(0, maxView);
    const leads = api.primaryOf(view) === api.id;
    const sent = phases.filter((phase) => phase === 'commit' || (phase === 'pre-prepare') === leads);
    const seq = api.rng.int(1, maxSeq);
    if (sent.length > 0) rounds.add(roundKey(view, seq, sent[api.rng.int(0, sent.length - 1)]!));
  }
  return rounds;
}

function roundKey(view: number, seq: number, phase: Phase): string {
  return `${phase}@v${view}n${seq}`;
}

class Mutator {
  /** Per honest frame: who gets the mutation and what it is, so retransmissions repeat it. */
  private readonly decided = new WeakMap<Uint8Array, { readonly victims: ReadonlySet<number>; readonly mutated: Signed | undefined }>();

  constructor(
    private readonly api: AdversaryApi,
    private readonly rounds: ReadonlySet<string>,
    private readonly mutations: readonly Mutation[],
  ) {}

  rewrite(outputs: readonly AdversaryOutput[]): AdversaryOutput[] {
    return mapSends(outputs, (signed, to) => {
      const honest: AdversaryOutput[] = [to === 'all' ? { kind: 'broadcast', signed } : { kind: 'send', to, signed }];
      const message = signed.message;
      if (message.type !== 'pre-prepare' && message.type !== 'prepare' && message.type !== 'commit') return honest;
      if (message.replica !== this.api.id || !this.rounds.has(roundKey(message.view, message.seq, message.type))) return honest;
      const decision = this.decide(signed as Signed<Voted>);
      return to === 'all' ? this.split(signed, decision) : this.one(signed, to, decision);
    });
  }

  private decide(signed: Signed<Voted>): { readonly victims: ReadonlySet<number>; readonly mutated: Signed | undefined } {
    const known = this.decided.get(signed.frame);
    if (known !== undefined) return known;
    const victims = drawVictims(this.api);
    const mutation = this.mutations[this.api.rng.int(0, this.mutations.length - 1)]!;
    const mutated = this.mutate(signed.message, mutation);
    const { type, view, seq } = signed.message;
    this.api.note(`${type} v=${view} n=${seq}: ${mutation} to [${[...victims].sort((a, b) => a - b).join(',')}]${mutated === undefined ? '' : ` as v=${(mutated.message as Voted).view} n=${(mutated.message as Voted).seq}`}`);
    const decision = { victims, mutated };
    this.decided.set(signed.frame, decision);
    return decision;
  }

  private split(signed: Signed, decision: { readonly victims: ReadonlySet<number>; readonly mutated: Signed | undefined }): AdversaryOutput[] {
    const others = peersOf(this.api);
    const spared = others.filter((id) => !decision.victims.has(id));
    const victims = others.filter((id) => decision.victims.has(id));
    const mutated = decision.mutated;
    return [...spared.map((id) => sendToReplica(id, signed)), ...(mutated === undefined ? [] : victims.map((id) => sendToReplica(id, mutated)))];
  }

  private one(signed: Signed, to: Peer, decision: { readonly victims: ReadonlySet<number>; readonly mutated: Signed | undefined }): AdversaryOutput[] {
    if (to.kind !== 'replica' || !decision.victims.has(to.id)) return [{ kind: 'send', to, signed }];
    return decision.mutated === undefined ? [] : [{ kind: 'send', to, signed: decision.mutated }];
  }

  /** The message changed in one field, signed with our key; undefined for omission. */
  private mutate(message: Voted, mutation: Mutation): Signed | undefined {
    const { api } = this;
    switch (mutation) {
      case 'omit':
        return undefined;
      case 'view':
        // Never below 0: the encoding has no negative numbers.
        return this.resign(message, { view: message.view === 0 || api.rng.chance(0.5) ? message.view + 1 : message.view - 1 });
      case 'seq':
        return this.resign(message, { seq: message.seq <= 1 || api.rng.chance(0.5) ? message.seq + 1 : message.seq - 1 });
      case 'digest':
        return this.otherDigest(message);
    }
  }

  /** As primary: another valid batch (one request fewer, or the null request) or a digest the batch does not hash to. */
  private otherDigest(message: Voted): Signed {
    const { api } = this;
    const randomDigest = api.sha256(Uint8Array.from({ length: 16 }, () => api.rng.int(0, 255)));
    if (message.type !== 'pre-prepare' || api.rng.chance(0.5)) return this.resign(message, { digest: randomDigest });
    return api.prePrepare(message.view, message.seq, message.batch.slice(0, message.batch.length - 1));
  }

  private resign(message: Voted, change: Partial<Pick<Voted, 'view' | 'seq' | 'digest'>>): Signed {
    return this.api.sign({ ...message, ...change } as Voted);
  }
}
