// equivocate: a replica that tells different peers different things.
//
// Fault model: Byzantine equivocation. As primary it signs two PRE-PREPAREs for one
// (v, n), the honest batch for some backups and another batch (a request left out,
// the requests reversed, or the null request) for the rest, and casts its COMMIT for
// whichever digest each backup got. As a backup it sends its PREPARE and COMMIT with the
// digest it accepted to some peers and with another digest to the rest. With
// `collude`, faulty backups vote towards each correct replica for the digest the faulty
// primary told it, through the run's shared context.
// Attacks: agreement (OSDI'99 §4.2, the Invariant): any two sets of 2f+1 voters share a
// correct replica, which prepares one digest per (v, n), so a single equivocator cannot
// make correct replicas commit different batches; f+1 colluders can, since the shared
// replica may be theirs (§3: the bound n = 3f+1). Also liveness: a request left out of
// the batch that commits stays ordered at the faulty primary, so only a view change
// (§4.4) gets it executed.
import { defineAdversary, mapSends, peersOf, sendToReplica, setBounded, type AdversaryApi, type AdversaryOutput } from '../src/adversary/adversary.ts';
import { toHex } from '../src/core/bytes.ts';
import type { Peer } from '../src/core/gateway.ts';
import type { Commit, PrePrepare, Prepare, Signed, SignedRequest } from '../src/core/messages.ts';

/** One equivocation: the digest each recipient was told for (v, n). */
interface Round {
  readonly view: number;
  readonly seq: number;
  readonly digestFor: ReadonlyMap<number, Uint8Array>;
  /** Faulty replicas that have cast their colluding votes for it. */
  readonly voted: Set<number>;
}

/** Rounds remembered, here and in the shared context: far more than the log window's in-flight batches. */
const ROUNDS_REMEMBERED = 256;
const SHARED_ROUNDS = 'equivocate/rounds';

type AlternativeBatch = 'drop-one' | 'reverse' | 'null';

/** The other batch: never the honest one (a batch that cannot be changed becomes the null request, §4.4). */
function alternativeBatch(batch: readonly SignedRequest[], how: AlternativeBatch, api: AdversaryApi): readonly SignedRequest[] {
  if (how === 'reverse' && batch.length >= 2) return [...batch].reverse();
  if (how === 'null' || batch.length <= 1) return [];
  const left = api.rng.int(0, batch.length - 1);
  return batch.filter((_, index) => index !== left);
}

/** Recipients told the alternative: the second half in id order, or a coin flip each. */
function splitRecipients(recipients: readonly number[], split: 'halves' | 'random', api: AdversaryApi): Set<number> {
  if (split === 'random') return new Set(recipients.filter(() => api.rng.chance(0.5)));
  return new Set(recipients.slice(Math.floor(recipients.length / 2)));
}

function sharedRounds(api: AdversaryApi): Map<string, Round> {
  let rounds = api.shared.get(SHARED_ROUNDS) as Map<string, Round> | undefined;
  if (rounds === undefined) {
    rounds = new Map();
    api.shared.set(SHARED_ROUNDS, rounds);
  }
  return rounds;
}

const short = (digest: Uint8Array) => toHex(digest.subarray(0, 3));

export default defineAdversary({
  name: 'equivocate',
  faultModel: 'Byzantine equivocation: conflicting PRE-PREPAREs (as primary) and conflicting PREPARE/COMMIT digests (as backup) to different peers',
  attacks: 'agreement (§4.2 Invariant, quorum intersection of §3): safe up to f equivocators, broken by f+1 colluders; liveness via stranded requests (§4.4)',
  options: {
    role: { kind: 'choice', values: ['primary', 'backup', 'both'] as const, default: 'both', doc: 'equivocate as primary (PRE-PREPARE), as backup (PREPARE/COMMIT), or both' },
    probability: { kind: 'number', default: 1, min: 0, max: 1, doc: 'fraction of rounds (v, n) it equivocates in' },
    split: { kind: 'choice', values: ['halves', 'random'] as const, default: 'halves', doc: 'which peers get the other digest: the second half by id, or each with probability 1/2' },
    batch: { kind: 'choice', values: ['drop-one', 'reverse', 'null'] as const, default: 'drop-one', doc: "the primary's other batch: one request left out, requests reversed, or the null request" },
    collude: { kind: 'boolean', default: true, doc: 'vote with the other faulty equivocators: each correct replica hears the digest the faulty primary told it' },
  },
  create(api, options) {
    const asPrimary = options.role !== 'backup';
    const asBackup = options.role !== 'primary';
    /** This replica's own rounds, as primary or backup, by "v:n". */
    const rounds = new Map<string, Round | 'honest'>();
    /** As primary: the PRE-PREPARE each recipient gets, by "v:n". */
    const prePrepares = new Map<string, ReadonlyMap<number, Signed<PrePrepare>>>();
    const recipients = () => peersOf(api).filter((id) => !(options.collude && api.faulty.includes(id)));

    const vote = (type: 'prepare' | 'commit', round: Round, to: number): AdversaryOutput => {
      const digest = round.digestFor.get(to)!;
      return sendToReplica(to, api.sign<Prepare | Commit>({ type, view: round.view, seq: round.seq, digest, replica: api.id }));
    };

    /** §4.2: the primary alone assigns n to a batch; a faulty one assigns it to two. */
    const equivocatePrePrepare = (honest: Signed<PrePrepare>): AdversaryOutput[] => {
      const { view, seq, batch, digest } = honest.message;
      const key = `${view}:${seq}`;
      if (batch.length === 0 || !api.rng.chance(options.probability)) {
        setBounded(rounds, key, 'honest', ROUNDS_REMEMBERED);
        return [{ kind: 'broadcast', signed: honest }];
      }
      const other = api.prePrepare(view, seq, alternativeBatch(batch, options.batch, api));
      const told = splitRecipients(recipients(), options.split, api);
      const byPeer = new Map(peersOf(api).map((id) => [id, told.has(id) ? other : honest] as const));
      const round: Round = { view, seq, digestFor: new Map([...byPeer].map(([id, signed]) => [id, signed.message.digest])), voted: new Set([api.id]) };
      setBounded(prePrepares, key, byPeer, ROUNDS_REMEMBERED);
      setBounded(rounds, key, round, ROUNDS_REMEMBERED);
      if (options.collude) setBounded(sharedRounds(api), key, round, ROUNDS_REMEMBERED);
      api.note(`PRE-PREPARE v=${view} n=${seq} d=${short(digest)} to [${[...byPeer.keys()].filter((id) => !told.has(id))}], d=${short(other.message.digest)} (${other.message.batch.length} requests) to [${[...told]}]`);
      // Its COMMIT goes out at once, so each side has the primary's vote for its own digest.
      return [...byPeer.entries()].flatMap(([id, signed]) => [sendToReplica(id, signed), vote('commit', round, id)]);
    };

    /** As a backup: the first vote for (v, n) decides whether this round is told two ways. */
    const backupRound = (view: number, seq: number, digest: Uint8Array): Round | 'honest' => {
      const key = `${view}:${seq}`;
      const known = rounds.get(key);
      if (known !== undefined) return known;
      const shared = options.collude && asBackup ? sharedRounds(api).get(key) : undefined;
      let round: Round | 'honest' = 'honest';
      if (shared !== undefined) round = shared;
      else if (asBackup && api.rng.chance(options.probability)) {
        const batch = api.replica.log.get(seq)?.prePrepare?.message.batch;
        const other = batch === undefined ? api.sha256(digest) : api.batchDigest(alternativeBatch(batch, options.batch, api));
        const told = splitRecipients(peersOf(api), options.split, api);
        round = { view, seq, digestFor: new Map(peersOf(api).map((id) => [id, told.has(id) ? other : digest] as const)), voted: new Set([api.id]) };
        api.note(`votes v=${view} n=${seq} d=${short(digest)} to [${peersOf(api).filter((id) => !told.has(id))}], d=${short(other)} to [${[...told]}]`);
      }
      setBounded(rounds, key, round, ROUNDS_REMEMBERED);
      return round;
    };

    /** Colluding backup: vote at once, towards each correct replica, for what it was told. */
    const colludingVotes = (): AdversaryOutput[] => {
      if (!options.collude || !asBackup) return [];
      const outputs: AdversaryOutput[] = [];
      for (const round of sharedRounds(api).values()) {
        if (round.voted.has(api.id) || round.view !== api.replica.view) continue;
        round.voted.add(api.id);
        setBounded(rounds, `${round.view}:${round.seq}`, round, ROUNDS_REMEMBERED);
        for (const to of round.digestFor.keys()) if (to !== api.id) outputs.push(vote('prepare', round, to), vote('commit', round, to));
      }
      return outputs;
    };

    const rewrite = (signed: Signed, to: Peer | 'all'): readonly AdversaryOutput[] => {
      const message = signed.message;
      const passThrough = [to === 'all' ? { kind: 'broadcast', signed } as const : { kind: 'send', to, signed } as const];
      if (message.type === 'pre-prepare' && asPrimary) {
        if (to === 'all') return equivocatePrePrepare(signed as Signed<PrePrepare>);
        // A retransmission (§4.2, STATUS): each peer gets again what it got first.
        const mine = prePrepares.get(`${message.view}:${message.seq}`)?.get(to.id);
        return mine === undefined ? passThrough : [sendToReplica(to.id, mine)];
      }
      if (message.type !== 'prepare' && message.type !== 'commit') return passThrough;
      const round = api.primaryOf(message.view) === api.id ? rounds.get(`${message.view}:${message.seq}`) : backupRound(message.view, message.seq, message.digest);
      if (round === undefined || round === 'honest') return passThrough;
      const targets = to === 'all' ? peersOf(api) : to.kind === 'replica' ? [to.id] : [];
      return targets.map((id) =>
        round.digestFor.has(id) ? vote(message.type, round, id) : sendToReplica(id, signed),
      );
    };

    return { step: (input) => [...colludingVotes(), ...mapSends(api.step(input), rewrite)] };
  },
});
