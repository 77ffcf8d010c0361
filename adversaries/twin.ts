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
import { defineAdversary, peersOf, type AdversaryApi, type AdversaryOutput } from '../src/adversary/adversary.ts';
import { bytesEqual } from '../src/core/bytes.ts';
import type { Peer } from '../src/core/gateway.ts';
import type { Signed } from '../src/core/messages.ts';
import type { Replica, ReplicaInput } from '../src/core/replica.ts';

type Side = 'a' | 'b';

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
  },
  create(api, options) {
    const others = peersOf(api);
    const groupA = options.groupA.length > 0 ? options.groupA : others.slice(0, Math.ceil(others.length / 2));
    const groupB = options.groupB.length > 0 ? options.groupB : others.filter((id) => !groupA.includes(id));
    const twins = new Twins(api, { a: new Set(groupA), b: new Set(groupB) }, options.answerClients, options.requests === 'split');
    api.note(`twin A talks to [${groupA.join(',')}], twin B to [${groupB.join(',')}]`);
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
    private readonly groups: Record<Side, ReadonlySet<number>>,
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
    return (['a', 'b'] as const).filter((side) => this.groups[side].has(input.from.id));
  }

  private route(side: Side, output: AdversaryOutput): AdversaryOutput[] {
    switch (output.kind) {
      case 'send':
        return this.reaches(side, output.to) ? [this.tagged(side, output.to, output.signed)] : [];
      case 'broadcast':
        return peersOf(this.api)
          .map((id): Peer => ({ kind: 'replica', id }))
          .filter((to) => this.reaches(side, to))
          .map((to) => this.tagged(side, to, output.signed));
      default:
        return [output];
    }
  }

  private reaches(side: Side, to: Peer): boolean {
    if (to.kind === 'client') return this.answerClients === 'both' || this.answerClients === side;
    return this.groups[side].has(to.id) || this.twinned.has(to.id);
  }

  /** Frames are delivered as the same object, so a colluding twin can tell which side sent one. */
  private tagged(side: Side, to: Peer, signed: Signed): AdversaryOutput {
    if (to.kind === 'replica' && this.twinned.has(to.id)) this.sideOfFrame.set(signed.frame, side);
    return { kind: 'send', to, signed };
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
