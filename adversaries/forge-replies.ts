// forge-replies: a replica that lies to clients.
//
// Fault model: Byzantine replies. The replica runs the protocol honestly with its peers,
// but every REPLY it owes a client is replaced by a forgery: a wrong result signed with
// its own key, the same wrong result also claimed in the names of f other replicas
// (clients drop those: they come from another replica than the one they name, and with
// only its own key it cannot sign for that one), an earlier reply of that client
// replayed, or the genuine reply with a broken signature.
// Attacks: reply integrity (OSDI'99 §4.1): a client accepts a result only when f+1
// replicas sent matching, validly signed REPLYs for its timestamp, so f liars, even
// speaking in other replicas' names, can never make up that quorum (§3: signatures
// cannot be forged). In 'mac' mode (src/core/auth.ts) a REPLY carries one MAC for its
// client instead, and api.sign makes that MAC with this replica's own session key: the
// same forgeries, with a broken MAC where the signature would be broken; the client's
// key with another replica is as out of reach as that replica's signing key. With digest
// replies on (OSDI'99 §5.1, src/core/digest-replies.ts) its honest core sends the result
// in full only when it is the designee, (c + t) mod n, and a digest otherwise: a full
// result is forged as above, a digest by changing the digest (a result nobody computed).
// The client must still find f+1 matching replies, the full result among them, so a forged
// result from the designee costs the client a retransmission, never a wrong answer.
import { defineAdversary, mapSends, setBounded, type AdversaryApi, type AdversaryOutput } from '../src/adversary/adversary.ts';
import type { OperationResult } from '../src/core/operations.ts';
import type { Reply, ReplyDigest, Signed } from '../src/core/messages.ts';

type Forgery = 'wrong-result' | 'impersonate' | 'replay' | 'break-signature';

/** Replies remembered per client for replay, and clients remembered. */
const REPLIES_PER_CLIENT = 8;
const CLIENTS_REMEMBERED = 1024;

/** A result that differs from the true one in every field a client compares. */
function wrongResult(result: OperationResult): OperationResult {
  if ('actual' in result) {
    return { status: result.status === 'ok' ? 'no_match' : 'ok', actual: `${result.actual}*`, previousVersion: result.previousVersion + 1, version: result.version + 1 };
  }
  return { status: result.status, version: result.version + 1, value: `${result.value ?? ''}*` };
}

/** The same reply claiming something no honest replica computed: a wrong result, or a digest of none. */
function wrongReply(reply: Reply | ReplyDigest): Reply | ReplyDigest {
  if (reply.type === 'reply') return { ...reply, result: wrongResult(reply.result) };
  const digest = Uint8Array.from(reply.digest);
  digest[0] = digest[0]! ^ 0xff;
  return { ...reply, digest };
}

/**
 * The same frame with one bit of its signature flipped, or in 'mac' mode of its MAC (which
 * follows the signed bytes just as a signature does): well formed, but it no longer verifies.
 */
function breakSignature<R extends Reply | ReplyDigest>(signed: Signed<R>, api: AdversaryApi): Signed<R> {
  const frame = signed.frame.slice();
  const signatureStart = signed.signedBytes.length;
  const authenticator = signed.authenticator;
  const index = signatureStart + api.rng.int(0, (authenticator ?? signed.signature).length - 1);
  frame[index] = frame[index]! ^ 0x01;
  const rest = frame.subarray(signatureStart);
  return authenticator === undefined
    ? { message: signed.message, signedBytes: frame.subarray(0, signatureStart), signature: rest, frame }
    : { message: signed.message, signedBytes: frame.subarray(0, signatureStart), signature: signed.signature, authenticator: rest, frame };
}

export default defineAdversary({
  name: 'forge-replies',
  faultModel: 'Byzantine replies: wrong results, replies in other replicas\' names, replayed old replies, broken signatures (MACs in mac mode)',
  attacks: 'reply integrity: a client needs f+1 matching, validly signed replies (§4.1; signatures unforgeable, §3)',
  options: {
    wrongResults: { kind: 'boolean', default: true, doc: 'send a wrong result (value, version and status changed), signed with its own key' },
    impersonate: { kind: 'boolean', default: true, doc: 'send a wrong result as itself and as f other replicas, all signed with its own key' },
    replayOld: { kind: 'boolean', default: true, doc: 'send one of the client\'s earlier replies (an older timestamp) instead' },
    breakSignatures: { kind: 'boolean', default: true, doc: 'send the genuine reply with one bit of its signature (in mac mode: its MAC) flipped' },
    probability: { kind: 'number', default: 1, min: 0, max: 1, doc: 'fraction of replies forged; the rest go out genuine' },
  },
  create(api, options) {
    const kinds: Forgery[] = [];
    if (options.wrongResults) kinds.push('wrong-result');
    if (options.impersonate) kinds.push('impersonate');
    if (options.replayOld) kinds.push('replay');
    if (options.breakSignatures) kinds.push('break-signature');
    const sent = new Map<number, Signed<Reply | ReplyDigest>[]>();

    const lie = (reply: Reply | ReplyDigest, replica: number): Signed<Reply | ReplyDigest> => api.sign<Reply | ReplyDigest>({ ...wrongReply(reply), replica });

    const forge = (signed: Signed<Reply | ReplyDigest>, client: number): Signed<Reply | ReplyDigest>[] => {
      const reply = signed.message;
      const earlier = (sent.get(client) ?? []).filter((old) => old.message.timestamp < reply.timestamp);
      const possible = kinds.filter((kind) => kind !== 'replay' || earlier.length > 0);
      if (possible.length === 0 || !api.rng.chance(options.probability)) return [signed];
      const kind = possible[api.rng.int(0, possible.length - 1)]!;
      api.note(`REPLY c${client} t=${reply.timestamp}: ${kind}`);
      switch (kind) {
        case 'wrong-result':
          return [lie(reply, api.id)];
        case 'impersonate': {
          // f+1 voices for one wrong result, if clients believed the names on replies.
          const others = Array.from({ length: api.n }, (_, id) => id).filter((id) => id !== api.id);
          const names: number[] = [];
          while (names.length < api.f) names.push(others.splice(api.rng.int(0, others.length - 1), 1)[0]!);
          return [lie(reply, api.id), ...names.map((replica) => lie(reply, replica))];
        }
        case 'replay':
          return [earlier[api.rng.int(0, earlier.length - 1)]!];
        case 'break-signature':
          return [breakSignature(signed, api)];
      }
    };

    const remember = (signed: Signed<Reply | ReplyDigest>, client: number) => {
      const replies = sent.get(client) ?? [];
      if (replies.at(-1)?.message.timestamp !== signed.message.timestamp) replies.push(signed);
      if (replies.length > REPLIES_PER_CLIENT) replies.shift();
      setBounded(sent, client, replies, CLIENTS_REMEMBERED);
    };

    return {
      step: (input) =>
        mapSends(api.step(input), (signed, to): AdversaryOutput[] => {
          if (to === 'all') return [{ kind: 'broadcast', signed }];
          if (to.kind !== 'client' || (signed.message.type !== 'reply' && signed.message.type !== 'reply-digest')) return [{ kind: 'send', to, signed }];
          const reply = signed as Signed<Reply | ReplyDigest>;
          const forged = forge(reply, to.id);
          remember(reply, to.id);
          return forged.map((forgery) => ({ kind: 'send', to, signed: forgery }));
        }),
    };
  },
});
