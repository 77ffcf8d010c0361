// replay: a replica that sends old messages again.
//
// Fault model: Byzantine replay. The replica runs honestly, and keeps a uniform sample of
// the frames it received and sent (reservoir sampling, so old views and sequence numbers
// stay in it however long the run). Every `everyMs` it sends `burst` of them, chosen at
// random among those older than `minAgeMs`, to every replica; replies go back to their
// client. Frames signed by others still carry their signers' valid signatures.
// Attacks: the freshness checks: view numbers and watermarks (OSDI'99 §4.2, §4.3),
// timestamps of requests and replies (§4.1), and the sender check that a signature
// alone does not pass (a message counts only from the replica that signed it); and the
// bounded log and buffers (§4.3), which replays must not grow.
import { defineAdversary, mapSends, type AdversaryOutput } from '../src/adversary/adversary.ts';
import type { Peer } from '../src/core/gateway.ts';
import type { MessageType, Signed } from '../src/core/messages.ts';
import type { Rng } from '../src/adversary/rng.ts';

interface Recorded {
  readonly signed: Signed;
  readonly atMs: number;
}

type Kinds = 'all' | 'normal-case' | 'requests' | 'view-change' | 'status';

/** Which recorded messages it replays. */
const KINDS: Readonly<Record<Kinds, readonly MessageType[]>> = {
  all: ['request', 'pre-prepare', 'prepare', 'commit', 'checkpoint', 'reply', 'status', 'view-change', 'new-view', 'fetch-batch', 'batch', 'state', 'commit-certificate', 'recovery-query', 'recovery-reply'],
  'normal-case': ['pre-prepare', 'prepare', 'commit', 'checkpoint'],
  requests: ['request', 'reply'],
  'view-change': ['view-change', 'new-view'],
  status: ['status'],
};

/** A uniform sample of everything added so far (Vitter's algorithm R), `capacity` at most. */
class Reservoir {
  private readonly frames: Recorded[] = [];
  private seen = 0;

  constructor(
    private readonly capacity: number,
    private readonly rng: Rng,
  ) {}

  add(recorded: Recorded): void {
    this.seen++;
    if (this.frames.length < this.capacity) this.frames.push(recorded);
    else {
      const slot = this.rng.int(0, this.seen - 1);
      if (slot < this.capacity) this.frames[slot] = recorded;
    }
  }

  olderThan(atMs: number): Recorded[] {
    return this.frames.filter((recorded) => recorded.atMs <= atMs);
  }
}

export default defineAdversary({
  name: 'replay',
  faultModel: 'Byzantine replay: resends a random sample of old frames, its own and its peers\', to every replica (replies to their clients)',
  attacks: 'freshness: views and watermarks (§4.2, §4.3), request and reply timestamps (§4.1), sender checks; bounded log and buffers (§4.3)',
  options: {
    everyMs: { kind: 'number', default: 100, min: 1, doc: 'simulated ms between two bursts of replays' },
    burst: { kind: 'integer', default: 16, min: 1, doc: 'frames replayed per burst' },
    minAgeMs: { kind: 'number', default: 500, min: 0, doc: 'replay only frames recorded at least this long ago' },
    memory: { kind: 'integer', default: 1024, min: 1, doc: 'frames kept of its own, and as many of its peers\' (a uniform sample of all it sent and heard)' },
    types: { kind: 'choice', values: ['all', 'normal-case', 'requests', 'view-change', 'status'] as const, default: 'all', doc: 'which messages to replay: all, PRE-PREPARE/PREPARE/COMMIT/CHECKPOINT, REQUEST/REPLY, VIEW-CHANGE/NEW-VIEW, or STATUS' },
    othersFrames: { kind: 'boolean', default: true, doc: 'also replay frames signed by other replicas (correct replicas must drop them as not sent by their signer)' },
  },
  create(api, options) {
    const types = new Set(KINDS[options.types]);
    // Its own frames pass the sender and signature checks and test freshness; peers'
    // frames test the sender check. Two samples, so the many more frames it hears from
    // peers do not crowd out its own.
    const own = new Reservoir(options.memory, api.rng);
    const others = new Reservoir(options.memory, api.rng);
    let nextBurstMs = options.everyMs;

    const record = (signed: Signed, nowMs: number, sent: boolean): void => {
      if (!types.has(signed.message.type)) return;
      if (sent) own.add({ signed, atMs: nowMs });
      else if (options.othersFrames) others.add({ signed, atMs: nowMs });
    };

    const burst = (nowMs: number): AdversaryOutput[] => {
      nextBurstMs = nowMs + options.everyMs;
      const old = [own, others].map((reservoir) => reservoir.olderThan(nowMs - options.minAgeMs)).filter((frames) => frames.length > 0);
      if (old.length === 0) return [];
      const outputs: AdversaryOutput[] = [];
      for (let index = 0; index < options.burst; index++) {
        const frames = old[index % old.length]!;
        const { signed } = frames[api.rng.int(0, frames.length - 1)]!;
        const message = signed.message;
        outputs.push(message.type === 'reply' ? { kind: 'send', to: { kind: 'client', id: message.client }, signed } : { kind: 'broadcast', signed });
      }
      api.note(`replayed ${options.burst} old frames (${old.map((frames) => frames.length).join('+')} to choose from)`);
      return outputs;
    };

    return {
      step: (input) => {
        if (input.kind === 'receive' && options.othersFrames) {
          const signed = api.decode(input.frame);
          if (signed !== undefined) record(signed, input.nowMs, false);
        }
        const outputs = mapSends(api.step(input), (signed, to: Peer | 'all') => {
          record(signed, input.nowMs, true);
          return [to === 'all' ? { kind: 'broadcast', signed } : { kind: 'send', to, signed }];
        });
        return input.kind === 'tick' && input.nowMs >= nextBurstMs ? [...outputs, ...burst(input.nowMs)] : outputs;
      },
    };
  },
});
