// twin: two honest instances of one replica, with one key, each talking to part of the
// cluster (Bano et al., "Twins: BFT systems made robust", 2022).
//
// Fault model: equivocation without any bespoke lie. Twin A hears only group A and
// speaks only to group A, twin B likewise with group B; both hear every client and
// (by default) both answer them. Each twin runs the protocol honestly, so as a primary
// the two assign different batches to one sequence number as soon as their groups drift
// apart, and as a backup the two vote for different things. Twins of several faulty
// replicas collude: a message between two twinned replicas stays on its side (A to A,
// B to B), so with f+1 twinned replicas each side can hold a quorum of its own.
// Attacks: safety under equivocation (OSDI'99 §4.2: two prepared certificates for one
// (v, n) intersect in a correct replica, which accepts only one PRE-PREPARE) and, as a
// backup, the quorum intersection of commits and view changes (§4.4). With at most f
// twinned replicas nothing may go wrong; with f+1 the intersection argument no longer
// holds, and the simulator's checkers should see the split.
//
// Per-view partitions (`rounds`): Twins enumerates, per protocol round, a leader and a
// partition of the nodes, and finds its bugs where consecutive rounds split differently.
// PBFT's round is the view: primary(v) = v mod n (§4.1), so the leader of each round is
// fixed by which views are reached. An entry { view, groupA, groupB } says which replicas
// each twin talks to (sends to and accepts from) for that view; views not listed use the
// fixed groupA and groupB. A message is judged by its own view: v of PRE-PREPARE, PREPARE
// and COMMIT (§4.2: a replica accepts them only in view v, so v is the round whose quorums
// they build), v+1 of VIEW-CHANGE and NEW-VIEW (§4.4: they elect the primary of v+1, so
// they belong to that round), v of STATUS, REPLY and RECOVERY-REPLY. A message with no
// view of its own (CHECKPOINT, FETCH-BATCH, BATCH, STATE, COMMIT-CERTIFICATE, relayed
// REQUESTs) is judged by the view the twin is in now. Judging by the message rather than
// the twin's view keeps a round's partition on that round's quorums even while the two
// twins, or a twin and its peers, are in different views.
import { defineAdversary, peersOf, type AdversaryApi, type AdversaryOutput } from '../src/adversary/adversary.ts';
import { OptionError } from '../src/adversary/options.ts';
import { bytesEqual } from '../src/core/bytes.ts';
import type { Peer } from '../src/core/gateway.ts';
import { assertNever, type Message, type Signed } from '../src/core/messages.ts';
import type { Replica, ReplicaInput } from '../src/core/replica.ts';

type Side = 'a' | 'b';
type Groups = Record<Side, ReadonlySet<number>>;

/** Twins' scenarios are small (a few rounds); a bound keeps an untrusted file small too. */
const ROUNDS_MAX = 64;

/** Keys in api.shared: which side sent each frame, and which replicas are twinned. */
const SIDE_OF_FRAME = 'twin/side-of-frame';
const TWINNED = 'twin/replicas';

export default defineAdversary({
  name: 'twin',
  faultModel: 'two honest instances with one key, each talking to its own part of the cluster (Twins)',
  attacks: 'safety under equivocation: conflicting PRE-PREPAREs and votes meet in a correct replica (§4.2, §4.4)',
  options: {
    groupA: { kind: 'ids', default: [], doc: 'replicas twin A talks to; empty: the first half of the other replicas' },
    groupB: { kind: 'ids', default: [], doc: 'replicas twin B talks to; empty: the other replicas not in group A (groups may overlap)' },
    answerClients: { kind: 'choice', values: ['both', 'a', 'b'] as const, default: 'both', doc: 'which twins send replies to clients' },
    requests: {
      kind: 'choice',
      values: ['both', 'split'] as const,
      default: 'both',
      doc: "'both': a client's request reaches both twins; 'split': even clients reach twin A, odd clients twin B, so twin primaries order different batches at once",
    },
    rounds: {
      kind: 'records',
      fields: {
        view: { kind: 'integer', min: 0, doc: 'the view (round) this entry partitions; each view at most once' },
        groupA: { kind: 'ids', doc: 'replicas twin A talks to for this view; empty: none' },
        groupB: { kind: 'ids', doc: 'replicas twin B talks to for this view; empty: none' },
      },
      maxLength: ROUNDS_MAX,
      default: [],
      doc: "per-view groups (Twins' partition per round): for a listed view each twin talks only to its group of that view; other views use groupA and groupB",
    },
  },
  create(api, options) {
    const others = peersOf(api);
    const groupA = options.groupA.length > 0 ? options.groupA : others.slice(0, Math.ceil(others.length / 2));
    const groupB = options.groupB.length > 0 ? options.groupB : others.filter((id) => !groupA.includes(id));
    const schedule = new Schedule({ a: new Set(groupA), b: new Set(groupB) }, readRounds(api, options.rounds));
    const twins = new Twins(api, schedule, options.answerClients, options.requests === 'split');
    api.note(`twin A talks to [${groupA.join(',')}], twin B to [${groupB.join(',')}]`);
    // Only with rounds, so that a run without them has the trace it always had.
    for (const [view, groups] of schedule.rounds) api.note(`in view ${view}: twin A talks to [${[...groups.a].join(',')}], twin B to [${[...groups.b].join(',')}]`);
    return { step: (input) => twins.step(input) };
  },
});

class Twins {
  private readonly twin: Record<Side, Replica>;
  private readonly sideOfFrame: WeakMap<Uint8Array, Side>;
  private readonly twinned: Set<number>;
  private readonly divergence = new Divergence();

  constructor(
    private readonly api: AdversaryApi,
    private readonly schedule: Schedule,
    private readonly answerClients: 'both' | Side,
    private readonly splitClients: boolean,
  ) {
    this.twin = { a: api.replica, b: api.spawnTwin() };
    this.sideOfFrame = shared(api, SIDE_OF_FRAME, () => new WeakMap<Uint8Array, Side>());
    this.twinned = shared(api, TWINNED, () => new Set<number>());
    this.twinned.add(api.id);
  }

  step(input: ReplicaInput): AdversaryOutput[] {
    const outputs: AdversaryOutput[] = [];
    for (const side of this.sidesFor(input)) {
      const stepped = side === 'a' ? this.api.step(input) : this.twin.b.step(input);
      for (const output of stepped) outputs.push(...this.route(side, output));
      this.divergence.observe(this.api, side, stepped, this.twin);
    }
    return outputs;
  }

  /** Ticks and clients reach both twins (clients one, if split); a replica reaches the twin(s) of its group, a twinned colluder the twin of its side. */
  private sidesFor(input: ReplicaInput): Side[] {
    if (input.kind === 'tick') return ['a', 'b'];
    if (input.from.kind === 'client') return this.splitClients ? [input.from.id % 2 === 0 ? 'a' : 'b'] : ['a', 'b'];
    const tagged = this.twinned.has(input.from.id) ? this.sideOfFrame.get(input.frame) : undefined;
    if (tagged !== undefined) return [tagged];
    // Decoded only when some view has groups of its own: a frame that does not decode is judged by the twin's view.
    const message = this.schedule.rounds.size > 0 ? this.api.decode(input.frame)?.message : undefined;
    return (['a', 'b'] as const).filter((side) => this.groupOf(side, message).has(input.from.id));
  }

  /** The group `side` talks to for `message`: by its own view, else the view the twin is in (see the header). */
  private groupOf(side: Side, message: Message | undefined): ReadonlySet<number> {
    if (this.schedule.rounds.size === 0) return this.schedule.fixed[side];
    const view = (message === undefined ? undefined : viewOf(message)) ?? (side === 'a' ? this.api.replica : this.twin.b).view;
    return this.schedule.groupsIn(view)[side];
  }

  private route(side: Side, output: AdversaryOutput): AdversaryOutput[] {
    switch (output.kind) {
      case 'send':
        return this.reaches(side, output.to, output.signed.message) ? [this.tagged(side, output.to, output.signed)] : [];
      case 'broadcast':
        return peersOf(this.api)
          .map((id): Peer => ({ kind: 'replica', id }))
          .filter((to) => this.reaches(side, to, output.signed.message))
          .map((to) => this.tagged(side, to, output.signed));
      default:
        return [output];
    }
  }

  private reaches(side: Side, to: Peer, message: Message): boolean {
    if (to.kind === 'client') return this.answerClients === 'both' || this.answerClients === side;
    return this.groupOf(side, message).has(to.id) || this.twinned.has(to.id);
  }

  /** Frames are delivered as the same object, so a colluding twin can tell which side sent one. */
  private tagged(side: Side, to: Peer, signed: Signed): AdversaryOutput {
    if (to.kind === 'replica' && this.twinned.has(to.id)) this.sideOfFrame.set(signed.frame, side);
    return { kind: 'send', to, signed };
  }
}

/** The fixed groups, and the groups of each view listed in `rounds`. */
class Schedule {
  constructor(
    readonly fixed: Groups,
    readonly rounds: ReadonlyMap<number, Groups>,
  ) {}

  groupsIn(view: number): Groups {
    return this.rounds.get(view) ?? this.fixed;
  }
}

/** The rounds by view; ids must be other replicas of this run and views distinct, or create() fails naming the field. */
function readRounds(api: AdversaryApi, rounds: readonly { readonly view: number; readonly groupA: readonly number[]; readonly groupB: readonly number[] }[]): Map<number, Groups> {
  const byView = new Map<number, Groups>();
  rounds.forEach((round, index) => {
    if (byView.has(round.view)) throw new OptionError(`rounds.${index}.view`, `view ${round.view} is listed twice`);
    for (const field of ['groupA', 'groupB'] as const) {
      const wrong = round[field].find((id) => id >= api.n || id === api.id);
      if (wrong !== undefined) throw new OptionError(`rounds.${index}.${field}`, `${wrong} is not another replica (0..${api.n - 1} but ${api.id})`);
    }
    byView.set(round.view, { a: new Set(round.groupA), b: new Set(round.groupB) });
  });
  return byView;
}

/** The view a message belongs to, if it carries one (see the header for why). */
function viewOf(message: Message): number | undefined {
  switch (message.type) {
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
    case 'reply':
    case 'reply-digest':
    case 'status':
    case 'recovery-reply':
      return message.view;
    case 'view-change':
    case 'new-view':
      return message.newView;
    case 'request':
    case 'read':
    case 'checkpoint':
    case 'fetch-batch':
    case 'batch':
    case 'state':
    case 'commit-certificate':
    case 'recovery-query':
      return undefined;
    default:
      return assertNever(message);
  }
}

function shared<T>(api: AdversaryApi, key: string, create: () => T): T {
  if (!api.shared.has(key)) api.shared.set(key, create());
  return api.shared.get(key) as T;
}

/** Notes (for traces and tests) where the twins went different ways: different batches at one n, or different views. */
class Divergence {
  private readonly proposed: Record<Side, Map<string, Uint8Array>> = { a: new Map(), b: new Map() };
  private readonly reported = new Set<string>();

  observe(api: AdversaryApi, side: Side, outputs: readonly AdversaryOutput[], twin: Record<Side, Replica>): void {
    const other: Side = side === 'a' ? 'b' : 'a';
    for (const output of outputs) {
      if (output.kind !== 'broadcast' || output.signed.message.type !== 'pre-prepare') continue;
      const { view, seq, digest } = output.signed.message;
      const key = `${view}/${seq}`;
      this.proposed[side].set(key, digest);
      const theirs = this.proposed[other].get(key);
      if (theirs !== undefined && !bytesEqual(theirs, digest)) this.report(api, `equivocation: the twins proposed different batches at v=${view} n=${seq}`);
      // Only the last few proposals matter for comparison; keep the maps small.
      if (this.proposed[side].size > 64) this.proposed[side].delete(this.proposed[side].keys().next().value!);
    }
    if (twin.a.view !== twin.b.view) this.report(api, `views: twin A in v=${twin.a.view}, twin B in v=${twin.b.view}`);
  }

  private report(api: AdversaryApi, line: string): void {
    if (this.reported.has(line) || this.reported.size > 100) return;
    this.reported.add(line);
    api.note(line);
  }
}
