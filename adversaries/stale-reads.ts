// stale-reads: a replica that answers reads from the past.
//
// Fault model: Byzantine answers to read-only requests (OSDI'99 §5.1). The replica runs the
// protocol honestly and answers ordered requests honestly, but it answers every read-only
// request with the result the key had before the last batch that wrote it, as a correct
// replica one write behind would: a plausible answer, signed (or MACed) with its own key.
// Attacks: the read quorum of read-only requests (src/core/read-only.ts). A read needs 2f+1
// matching answers, and while reads take that path an ordered request needs 2f+1 matching
// replies too, so f+1 correct replicas executed every completed write, and any 2f+1 answers
// to a later read hold one of them: f stale answers and the correct replicas that lag can
// never make up 2f+1. Were writes accepted on f+1 replies ('write-on-f-plus-1-with-reads'
// in src/core/flaws.ts), a write could complete with one correct replica and this one, and
// this one's stale answer with those of two lagging correct replicas would be a stale read.
import { defineAdversary, setBounded, type AdversaryOutput } from '../src/adversary/adversary.ts';
import type { Reply, ReplyDigest, Signed } from '../src/core/messages.ts';
import { encodeResult } from '../src/core/operation-encoding.ts';
import type { GetResult, Operation } from '../src/core/operations.ts';

/** Keys remembered, and reads awaiting an answer: bounded, as a replica's memory is. */
const KEYS_REMEMBERED = 4096;
const READS_REMEMBERED = 1024;

/** What a get of a key nobody wrote returns (src/core/pancydb.ts: value "" at version 0). */
const ABSENT: GetResult = { status: 'ok', value: '', version: 0 };

const isWrite = (operation: Operation) => operation.type !== 'get';

export default defineAdversary({
  name: 'stale-reads',
  faultModel: 'Byzantine read answers: honest in the protocol, but each read-only request is answered with the key as it was before its last write',
  attacks: 'read-only requests (§5.1): a read needs 2f+1 matching answers, and writes 2f+1 replies while reads take that path (read-only.ts)',
  options: {
    fromS: { kind: 'number', default: 0, min: 0, doc: 'answer reads stale from this simulated second; honestly before' },
  },
  create(api, options) {
    /** Per key: a get's result now, and before the last batch that wrote it. */
    const current = new Map<string, GetResult>();
    const before = new Map<string, GetResult>();
    /** "client:t" of each read-only request received and not yet answered -> its key. */
    const reads = new Map<string, string>();

    const getNow = (key: string): GetResult => {
      const entry = api.replica.store.read(key);
      return entry === undefined ? ABSENT : { status: 'ok', value: entry.value, version: entry.version };
    };

    /** After a batch executed here: its written keys' old results become their stale answers. */
    const onExecuted = (operations: readonly Operation[]) => {
      for (const key of new Set(operations.filter(isWrite).map((operation) => operation.key))) {
        setBounded(before, key, current.get(key) ?? ABSENT, KEYS_REMEMBERED);
        setBounded(current, key, getNow(key), KEYS_REMEMBERED);
      }
    };

    /** The honest answer to a read, with the key's stale result in place of the true one. */
    const staleAnswer = (signed: Signed<Reply | ReplyDigest>, key: string): Signed<Reply | ReplyDigest> => {
      const stale = before.get(key);
      if (stale === undefined) return signed;
      api.note(`READ c${signed.message.client} t=${signed.message.timestamp} ${key}: answered with version ${stale.version}`);
      const reply = signed.message;
      return reply.type === 'reply' ? api.sign<Reply>({ ...reply, result: stale }) : api.sign<ReplyDigest>({ ...reply, digest: api.sha256(encodeResult(stale)) });
    };

    const rewrite = (output: AdversaryOutput): AdversaryOutput[] => {
      if (output.kind === 'event' && output.event.type === 'executed') onExecuted(output.event.executions.map((execution) => execution.request.message.operation));
      if (output.kind !== 'send' || output.to.kind !== 'client') return [output];
      const message = output.signed.message;
      if (message.type !== 'reply' && message.type !== 'reply-digest') return [output];
      const id = `${message.client}:${message.timestamp}`;
      const key = reads.get(id);
      if (key === undefined) return [output];
      reads.delete(id);
      if (api.nowMs < options.fromS * 1000) return [output];
      return [{ ...output, signed: staleAnswer(output.signed as Signed<Reply | ReplyDigest>, key) }];
    };

    return {
      step: (input) => {
        if (input.kind === 'receive' && input.from.kind === 'client') {
          const message = api.decode(input.frame)?.message;
          // The honest core answers it now, or once a tentative batch commits (read-only.ts).
          if (message?.type === 'read') setBounded(reads, `${message.client}:${message.timestamp}`, message.operation.key, READS_REMEMBERED);
        }
        return api.step(input).flatMap(rewrite);
      },
    };
  },
});
