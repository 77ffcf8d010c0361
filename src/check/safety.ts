// Online safety checkers, fed with what honest replicas and clients report. They are
// separate from the replica code and trust none of its reasoning: they only compare
// what different honest replicas did, and what clients accepted.
//   agreement        no two honest replicas commit different batches at one seq (OSDI'99 §4.2, Invariant)
//   state-agreement  equal state digests wherever honest replicas executed the same prefix (§4.3)
//   exactly-once     no honest replica executes a (client, t) twice (§4.1)
//   validity         only client-signed requests execute (§3: clients sign requests)
//   reply-integrity  a result a client accepted equals what the honest replicas computed (§4.1);
//                    for a read-only request (§5.1), which is never ordered, what one honest
//                    replica answered it with: each answers from its own state
import { bytesEqual, toHex } from '../core/bytes.ts';
import { encodeResult } from '../core/operation-encoding.ts';
import type { Execution } from '../core/replica.ts';
import type { OperationResult } from '../core/operations.ts';
import type { Violation } from './violation.ts';

export interface SafetyCheckerOptions {
  /** Verifies a client's signature over a request, independently of the replicas. */
  readonly verifyRequest: (execution: Execution) => boolean;
}

interface FirstSeen {
  readonly replica: number;
  readonly bytes: Uint8Array;
}

export class SafetyChecker {
  readonly violations: Violation[] = [];
  private readonly committed = new Map<number, FirstSeen>();
  private readonly checkpointDigests = new Map<number, FirstSeen>();
  /** Per replica, "client:t" -> the seq and incarnation that executed it. */
  private readonly executed = new Map<number, Map<string, { readonly seq: number; readonly incarnation: number }>>();
  /** Restarts per replica: each restart without memory begins a new incarnation. */
  private readonly incarnations = new Map<number, number>();
  /** Result the first honest replica computed for "client:t". */
  private readonly results = new Map<string, FirstSeen>();
  /** Accepted results whose honest counterpart was not yet known, checked when it is. */
  private readonly pendingAccepts = new Map<string, { client: number; bytes: Uint8Array; atMs: number }>();
  /** Per open read-only request "client:t": the result digests honest replicas answered it with. */
  private readonly readAnswers = new Map<string, Set<string>>();

  constructor(private readonly options: SafetyCheckerOptions) {}

  get ok(): boolean {
    return this.violations.length === 0;
  }

  /**
   * A restarted replica is a new incarnation: it may execute again what it executed before
   * it lost its state, but only at the same seq (it is replaying the one agreed history).
   * Forgetting its executions instead would hide a restarted replica executing (c, t) at a
   * second seq, the very duplicate the client table restored by state transfer must prevent.
   */
  onRestart(replica: number): void {
    this.incarnations.set(replica, (this.incarnations.get(replica) ?? 0) + 1);
  }

  /** The digest correct replicas committed at `seq`, if any did. */
  committedDigest(seq: number): Uint8Array | undefined {
    return this.committed.get(seq)?.bytes;
  }

  onCommitted(replica: number, seq: number, digest: Uint8Array, atMs: number): void {
    this.agree('agreement', this.committed, replica, seq, digest, atMs, 'committed batch digest');
  }

  onCheckpoint(replica: number, seq: number, digest: Uint8Array, atMs: number): void {
    this.agree('state-agreement', this.checkpointDigests, replica, seq, digest, atMs, 'state digest');
  }

  onExecuted(replica: number, seq: number, digest: Uint8Array, executions: readonly Execution[], atMs: number): void {
    this.onCommitted(replica, seq, digest, atMs);
    const done = this.executed.get(replica) ?? new Map<string, { seq: number; incarnation: number }>();
    this.executed.set(replica, done);
    const incarnation = this.incarnations.get(replica) ?? 0;
    for (const execution of executions) {
      if (execution.result === undefined) continue;
      const { client, timestamp } = execution.request.message;
      const key = `${client}:${timestamp}`;
      const before = done.get(key);
      if (before !== undefined && (before.incarnation === incarnation || before.seq !== seq)) {
        const when = before.incarnation === incarnation ? `at n=${before.seq} and n=${seq}` : `at n=${before.seq} before its restart and at n=${seq} after`;
        this.report({ property: 'exactly-once', detail: `client ${client} t=${timestamp} executed twice, ${when}`, replicas: [replica], seq, atMs });
      }
      done.set(key, { seq, incarnation });
      if (!this.options.verifyRequest(execution)) {
        this.report({ property: 'validity', detail: `client ${client} t=${timestamp} is not signed by its client`, replicas: [replica], seq, atMs });
      }
      this.recordResult(replica, key, execution.result, seq, atMs);
    }
  }

  onClientAccepted(client: number, timestamp: number, result: OperationResult, replicas: readonly number[], atMs: number): void {
    const key = `${client}:${timestamp}`;
    const bytes = encodeResult(result);
    const honest = this.results.get(key);
    if (honest === undefined) {
      this.pendingAccepts.set(key, { client, bytes, atMs });
      return;
    }
    if (!bytesEqual(honest.bytes, bytes)) {
      this.report({ property: 'reply-integrity', detail: `client ${client} t=${timestamp} accepted a result no honest replica computed (from replicas ${replicas.join(',')})`, replicas: [...replicas], atMs });
    }
  }

  /**
   * An honest replica answered read-only request (client, t) with a result whose digest
   * (digest-replies.ts: SHA-256 of the encoded result) is `digest`, in full or as a digest
   * reply. Reads are never ordered, so these answers are all there is to compare with.
   */
  onReadAnswered(client: number, timestamp: number, digest: Uint8Array): void {
    const key = `${client}:${timestamp}`;
    const answers = this.readAnswers.get(key) ?? new Set<string>();
    answers.add(toHex(digest));
    this.readAnswers.set(key, answers);
  }

  /**
   * A client accepted read-only request (client, t) with a result of digest `digest` (§5.1).
   * Its 2f+1 matching replies hold f+1 honest ones, so some honest replica must have answered
   * with that result before the client saw it. The read is then closed: later answers are late.
   */
  onReadAccepted(client: number, timestamp: number, digest: Uint8Array, replicas: readonly number[], atMs: number): void {
    const key = `${client}:${timestamp}`;
    const answers = this.readAnswers.get(key);
    this.readAnswers.delete(key);
    if (answers?.has(toHex(digest)) === true) return;
    this.report({ property: 'reply-integrity', detail: `client ${client} read t=${timestamp} accepted a result no honest replica answered with (from replicas ${replicas.join(',')})`, replicas: [...replicas], atMs });
  }

  /** A read the client gave up on (it went down the ordered path under a new t): its answers are no longer needed. */
  forgetRead(client: number, timestamp: number): void {
    this.readAnswers.delete(`${client}:${timestamp}`);
  }

  /**
   * At the end of a run: an accepted result that no honest replica ever computed is a
   * violation too, unless `inFlight` says its request may still execute. With tentative
   * execution (OSDI'99 §5.1) a client accepts before anyone executed, so a run that ends
   * while the batch has prepared but not committed leaves the outcome unknown, not wrong.
   */
  finish(atMs: number, inFlight: (key: string) => boolean = () => false): void {
    for (const [key, accepted] of this.pendingAccepts) {
      if (inFlight(key)) continue;
      this.report({ property: 'reply-integrity', detail: `client ${accepted.client} accepted a result for ${key} that no honest replica executed`, replicas: [], atMs });
    }
    this.pendingAccepts.clear();
  }

  private recordResult(replica: number, key: string, result: OperationResult, seq: number, atMs: number): void {
    const bytes = encodeResult(result);
    const first = this.results.get(key);
    if (first === undefined) {
      this.results.set(key, { replica, bytes });
      const accepted = this.pendingAccepts.get(key);
      if (accepted !== undefined) {
        this.pendingAccepts.delete(key);
        if (!bytesEqual(accepted.bytes, bytes)) {
          this.report({ property: 'reply-integrity', detail: `client accepted for ${key} a result the honest replica ${replica} did not compute`, replicas: [replica], seq, atMs });
        }
      }
      return;
    }
    if (!bytesEqual(first.bytes, bytes)) {
      this.report({ property: 'state-agreement', detail: `${key} gave different results at replicas ${first.replica} and ${replica}`, replicas: [first.replica, replica], seq, atMs });
    }
  }

  private agree(property: Violation['property'], seen: Map<number, FirstSeen>, replica: number, seq: number, digest: Uint8Array, atMs: number, what: string): void {
    const first = seen.get(seq);
    if (first === undefined) {
      seen.set(seq, { replica, bytes: digest });
      return;
    }
    if (!bytesEqual(first.bytes, digest)) {
      this.report({
        property,
        detail: `${what} at n=${seq}: replica ${first.replica} has ${toHex(first.bytes).slice(0, 12)}, replica ${replica} has ${toHex(digest).slice(0, 12)}`,
        replicas: [first.replica, replica],
        seq,
        atMs,
      });
    }
  }

  /** For checks that live outside this class (memory bounds, final states, lockseq). */
  report(violation: Violation): void {
    this.violations.push(violation);
  }
}
