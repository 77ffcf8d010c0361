// byzzfuzz: small-scope mutation of any field of any message a faulty replica sends, in a
// few rounds (ByzzFuzz: Winter et al., "Randomized Testing of Byzantine Fault Tolerant
// Algorithms", OOPSLA 2023). `mutate` does this for the normal case's view, seq and
// digest; this one reaches every message type and every field, proofs included.
//
// Fault model: a Byzantine replica that runs the protocol honestly except in a few
// rounds, (view, seq, type) triples drawn before the run (for a type without a sequence
// number, VIEW-CHANGE, NEW-VIEW, STATUS, ..., any seq in that view). What it sends in such
// a round to a random part of the receivers has one field changed and is signed again
// with its own key; the rest get the honest message, so a mutation is also equivocation.
// A field is any number (±1, never below 0), any byte string (one byte flipped), any list
// (an entry dropped or repeated: a certificate one vote short, a vote counted twice), or a
// field inside an entry of a list: a CHECKPOINT of a proof, a PREPARE of a prepared
// certificate, a VIEW-CHANGE of V, an O entry, each signed again with this replica's own
// key, since it holds no other (so a changed entry signed by another replica claims a
// signer it is not: a forgery every gateway must refuse).
// Attacks: every check of the gateway and of certificates (OSDI'99 §4.2-§4.4: matching
// votes from 2f or 2f+1 distinct replicas, proofs of stable checkpoints, V and O of a
// NEW-VIEW recomputed), with at most f such replicas.
import { defineAdversary, drawVictims, mapSends, peersOf, sendToReplica, type AdversaryApi, type AdversaryOutput } from '../src/adversary/adversary.ts';
import type { Peer } from '../src/core/gateway.ts';
import type { Message, Signed } from '../src/core/messages.ts';

const TYPES = ['pre-prepare', 'prepare', 'commit', 'checkpoint', 'view-change', 'new-view', 'status', 'reply', 'state', 'recovery-reply', 'commit-certificate', 'batch'] as const;
type Type = (typeof TYPES)[number];
/** How deep a mutation reaches into nested certificates: a PREPARE inside a certificate inside a VIEW-CHANGE inside V is depth 3. */
const MAX_DEPTH = 4;

type Value = unknown;
/**
 * One way to change the message: returns the changed copy, or undefined if it cannot be
 * built. `weight` is the chance of drawing it: each level of the message shares its
 * weight equally among its fields (and a list among dropping, repeating and changing an
 * entry), so a PRE-PREPARE's batch is as likely a target as its seq, however many fields
 * its requests have. Drawn uniformly over every leaf instead, a NEW-VIEW's hundreds of
 * nested fields would drown its few top-level ones.
 */
type Change = { readonly path: string; readonly apply: () => Value; readonly weight: number };

/** `groups` as one list, each group's weights scaled to an equal share of 1. */
export function shareEqually(groups: readonly (readonly Change[])[]): Change[] {
  const nonEmpty = groups.filter((group) => group.length > 0);
  return nonEmpty.flatMap((group) => {
    const total = group.reduce((sum, change) => sum + change.weight, 0);
    return group.map((change) => ({ ...change, weight: change.weight / total / nonEmpty.length }));
  });
}

/** A leaf change, weight 1 before sharing. */
const leaf = (path: string, apply: () => Value): Change => ({ path, apply, weight: 1 });
/** `change` applied inside a field: same path and weight, the whole value rebuilt around it. */
const within = (change: Change, wrap: (inner: Value) => Value): Change => ({ path: change.path, weight: change.weight, apply: () => wrap(change.apply()) });

export default defineAdversary({
  name: 'byzzfuzz',
  faultModel: 'in a few rng-chosen (view, seq, type) rounds, one field of what it sends (any type, proofs included) changed and re-signed with its own key, to some receivers',
  attacks: "every validity check of messages and certificates: 2f/2f+1 matching votes from distinct replicas, checkpoint proofs, V and O (§4.2-§4.4)",
  options: {
    rounds: { kind: 'integer', default: 6, min: 1, max: 1000, doc: 'how many (view, seq, type) rounds are attacked' },
    maxSeq: { kind: 'integer', default: 20, min: 1, doc: 'rounds are drawn from sequence numbers 1..maxSeq' },
    maxView: { kind: 'integer', default: 1, min: 0, doc: 'rounds are drawn from views 0..maxView' },
    types: { kind: 'choice', values: ['all', 'normal-case', 'view-change', 'checkpoint'] as const, default: 'all', doc: 'which message types the rounds attack' },
  },
  create(api, options) {
    const types: readonly Type[] =
      options.types === 'normal-case' ? ['pre-prepare', 'prepare', 'commit'] : options.types === 'view-change' ? ['view-change', 'new-view', 'recovery-reply'] : options.types === 'checkpoint' ? ['checkpoint', 'state', 'status'] : TYPES;
    const rounds = new Set<string>();
    for (let count = 0; count < options.rounds; count++) {
      const type = types[api.rng.int(0, types.length - 1)]!;
      rounds.add(roundKey(api.rng.int(0, options.maxView), hasSeq(type) ? api.rng.int(1, options.maxSeq) : '*', type));
    }
    api.note(`attacking rounds ${[...rounds].join(' ')}`);
    const fuzzer = new Fuzzer(api, rounds);
    return { step: (input) => fuzzer.rewrite(api.step(input)) };
  },
});

function hasSeq(type: Type): boolean {
  return type === 'pre-prepare' || type === 'prepare' || type === 'commit' || type === 'checkpoint';
}

function roundKey(view: number, seq: number | '*', type: string): string {
  return `${type}@v${view}n${seq}`;
}

class Fuzzer {
  /** Per honest frame: who gets the mutation and what it is, so retransmissions repeat it. */
  private readonly decided = new WeakMap<Uint8Array, { readonly victims: ReadonlySet<number>; readonly mutated: Signed | undefined }>();

  constructor(
    private readonly api: AdversaryApi,
    private readonly rounds: ReadonlySet<string>,
  ) {}

  rewrite(outputs: readonly AdversaryOutput[]): AdversaryOutput[] {
    return mapSends(outputs, (signed, to) => {
      const honest: AdversaryOutput[] = [to === 'all' ? { kind: 'broadcast', signed } : { kind: 'send', to, signed }];
      if (!this.inRound(signed.message)) return honest;
      const decision = this.decide(signed);
      if (decision.mutated === undefined) return honest;
      if (to !== 'all') return to.kind === 'replica' && !decision.victims.has(to.id) ? honest : [this.sendTo(to, decision.mutated)];
      return peersOf(this.api).map((id) => sendToReplica(id, decision.victims.has(id) ? decision.mutated! : signed));
    });
  }

  private sendTo(to: Peer, signed: Signed): AdversaryOutput {
    return { kind: 'send', to, signed };
  }

  private inRound(message: Message): boolean {
    const fields = message as unknown as Record<string, unknown>;
    if (fields['replica'] !== this.api.id) return false;
    const view = typeof fields['view'] === 'number' ? fields['view'] : typeof fields['newView'] === 'number' ? fields['newView'] : this.api.replica.view;
    const seq = typeof fields['seq'] === 'number' ? fields['seq'] : undefined;
    return this.rounds.has(roundKey(view, '*', message.type)) || (seq !== undefined && this.rounds.has(roundKey(view, seq, message.type)));
  }

  private decide(signed: Signed): { readonly victims: ReadonlySet<number>; readonly mutated: Signed | undefined } {
    const known = this.decided.get(signed.frame);
    if (known !== undefined) return known;
    const { api } = this;
    const victims = drawVictims(api);
    const changes = this.changesOf(signed.message, '', 0);
    let mutated: Signed | undefined;
    // A change whose re-encoding fails (a field the encoding bounds) is skipped for another.
    for (let attempt = 0; attempt < 4 && mutated === undefined && changes.length > 0; attempt++) {
      const change = this.draw(changes);
      mutated = this.signed(change.apply() as Message);
      if (mutated !== undefined) api.note(`${signed.message.type}: ${change.path} changed, to [${[...victims].sort((a, b) => a - b).join(',')}]`);
    }
    const decision = { victims, mutated };
    this.decided.set(signed.frame, decision);
    return decision;
  }

  /** A change drawn by weight. */
  private draw(changes: readonly Change[]): Change {
    let left = this.api.rng.next() * changes.reduce((sum, change) => sum + change.weight, 0);
    for (const change of changes) if ((left -= change.weight) < 0) return change;
    return changes[changes.length - 1]!;
  }

  /** Every one-field change of `value` (a message or a part of one), as copies, each field an equal share. */
  private changesOf(value: Value, path: string, depth: number): Change[] {
    if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return [];
    const record = value as Record<string, Value>;
    const groups: Change[][] = [];
    for (const key of Object.keys(record)) {
      if (key === 'type' || key === 'signedBytes' || key === 'signature' || key === 'frame' || key === 'authenticator') continue;
      const field = record[key];
      const at = path === '' ? key : `${path}.${key}`;
      const withField = (next: Value) => ({ ...record, [key]: next });
      if (typeof field === 'number') groups.push([leaf(at, () => withField(field === 0 || this.api.rng.chance(0.5) ? field + 1 : field - 1))]);
      else if (typeof field === 'boolean') groups.push([leaf(at, () => withField(!field))]);
      else if (field instanceof Uint8Array && field.length > 0) groups.push([leaf(at, () => withField(this.flipped(field)))]);
      else if (Array.isArray(field)) groups.push(this.listChanges(field, at, depth).map((change) => within(change, withField)));
      else if (isSigned(field)) groups.push(this.changesOf(field.message, at, depth + 1).map((change) => within(change, (inner) => withField(this.signed(inner as Message) ?? field))));
      else if (field !== null && typeof field === 'object') groups.push(this.changesOf(field, at, depth + 1).map((change) => within(change, withField)));
    }
    return shareEqually(groups);
  }

  /** A list: one entry dropped, one repeated, or one entry changed inside; the three equally likely. */
  private listChanges(list: readonly Value[], path: string, depth: number): Change[] {
    if (list.length === 0) return [];
    const index = this.api.rng.int(0, list.length - 1);
    const entry = list[index];
    const replace = (next: Value) => list.map((old, other) => (other === index ? next : old));
    let inside: Change[] = [];
    if (isSigned(entry)) {
      inside = this.changesOf(entry.message, `${path}[${index}]`, depth + 1).map((change) => within(change, (inner) => replace(this.signed(inner as Message) ?? entry)));
    } else if (typeof entry === 'number') {
      inside = [leaf(`${path}[${index}]`, () => replace(entry + 1))];
    } else if (entry !== null && typeof entry === 'object' && !(entry instanceof Uint8Array)) {
      inside = this.changesOf(entry, `${path}[${index}]`, depth + 1).map((change) => within(change, replace));
    }
    return shareEqually([
      [leaf(`${path}[${index}] dropped`, () => list.filter((_, other) => other !== index))],
      [leaf(`${path}[${index}] repeated`, () => [...list.slice(0, index + 1), entry, ...list.slice(index + 1)])],
      inside,
    ]);
  }

  private flipped(bytes: Uint8Array): Uint8Array {
    const copy = Uint8Array.from(bytes);
    copy[this.api.rng.int(0, copy.length - 1)]! ^= 1 << this.api.rng.int(0, 7);
    return copy;
  }

  /** Signed with this replica's own key; a PRE-PREPARE header (no batch) as a header; undefined if it does not encode. */
  private signed(message: Message): Signed | undefined {
    try {
      if (message.type === 'pre-prepare' && !('batch' in message)) {
        const header = message as { view: number; seq: number; digest: Uint8Array };
        return this.api.prePrepareHeader(header.view, header.seq, header.digest) as unknown as Signed;
      }
      return this.api.sign(message);
    } catch {
      return undefined;
    }
  }
}

function isSigned(value: Value): value is Signed {
  return value !== null && typeof value === 'object' && 'message' in value && 'frame' in value && (value as Signed).frame instanceof Uint8Array;
}
