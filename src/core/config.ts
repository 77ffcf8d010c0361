// Protocol parameters of one replica, checked once at start-up.
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import type { AuthMode } from './auth.ts';
import type { Flawed } from './flaws.ts';
import { quorumsFor, type Quorums } from './quorum.ts';

export interface ProtocolParameters {
  readonly n: number;
  /** K: a checkpoint every K sequence numbers (OSDI'99 §4.3; the paper used 100). */
  readonly checkpointInterval: number;
  /** L: the log window, H = h + L; a multiple of K and at least 2K (§4.3; paper: 200). */
  readonly logWindow: number;
  /** B: most requests in one PRE-PREPARE's batch. */
  readonly maxBatch: number;
  /**
   * Batches the primary keeps in flight (ordered but not executed) before it waits. With 1,
   * requests that arrive meanwhile queue up and go out together in the next batch: the
   * batching of the BFT library (Castro & Liskov, TOCS 2002), which amortizes three phases of
   * signatures over many requests.
   */
  readonly maxInflightBatches: number;
  /** Least time between two STATUS messages of a stalled replica (one waiting for lost messages). */
  readonly statusIntervalMs: number;
  /** The STATUS heartbeat of a replica that is not stalled. */
  readonly idleStatusIntervalMs: number;
  /**
   * An entry unexecuted for this long counts as stalled: its owner asks for it, and peers
   * resend it. Younger entries are left alone, since their messages may still be in flight.
   */
  readonly retransmitAfterMs: number;
  /** Cap on messages from the future (higher views, above H) buffered per sender. */
  readonly futureBufferPerSender: number;
  /** T of §4.5.2: how long a backup waits for a request to execute before it suspects the primary. */
  readonly viewChangeTimeoutMs: number;
  /** The timeout doubles per consecutive failed view change, up to this cap (§4.5.2). */
  readonly maxViewChangeTimeoutMs: number;
  /** VIEW-CHANGE is resent this often until a NEW-VIEW is accepted (§4.5.2). */
  readonly viewChangeResendMs: number;
  /**
   * A robust primary (Aardvark, NSDI'09 §4.3; primary-monitor.ts), off when absent: a backup
   * votes the primary out when its throughput falls below this percent of recent views'
   * best, or when it lets one client's requests wait while another's run.
   */
  readonly robustPrimaryPercent?: number;
}

/** Parameters that are off unless given; a scenario's "parameters" may name them too. */
export const OPTIONAL_PARAMETER_NAMES = ['robustPrimaryPercent'] as const;

export const DEFAULT_PARAMETERS: Omit<ProtocolParameters, 'n'> = {
  checkpointInterval: 100,
  logWindow: 200,
  maxBatch: 64,
  maxInflightBatches: 1,
  statusIntervalMs: 50,
  idleStatusIntervalMs: 1000,
  retransmitAfterMs: 30,
  futureBufferPerSender: 64,
  viewChangeTimeoutMs: 1000,
  maxViewChangeTimeoutMs: 16_000,
  viewChangeResendMs: 250,
};

export interface ReplicaConfig extends ProtocolParameters, Flawed {
  readonly id: number;
  readonly keyPair: KeyPair;
  readonly crypto: Crypto;
  /** Public key of replica i, index i. */
  readonly replicaKeys: readonly Uint8Array[];
  /** Public key of client c, or undefined for a client nobody registered. */
  readonly clientKey: (client: number) => Uint8Array | undefined;
  /** How messages are authenticated (auth.ts); 'signed' when absent. */
  readonly auth?: AuthMode;
  /** Separates this cluster's session keys from any other's ('mac' mode; auth.ts). */
  readonly authDomain?: Uint8Array;
  /** Whether clients may send read-only requests (OSDI'99 §5.1; read-only.ts); off when absent. */
  readonly readOnlyRequests?: boolean;
  /** Whether only a designated replica sends each result in full (OSDI'99 §5.1; digest-replies.ts); off when absent. */
  readonly digestReplies?: boolean;
  /** Whether a replica replies once a batch prepared (OSDI'99 §5.1; tentative.ts); off when absent. */
  readonly tentativeExecution?: boolean;
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
}

/** Throws an Error naming the field when the parameters cannot run PBFT. */
export function validateParameters(parameters: ProtocolParameters): Quorums {
  const quorums = quorumsFor(parameters.n);
  positiveInteger('checkpointInterval', parameters.checkpointInterval);
  positiveInteger('logWindow', parameters.logWindow);
  positiveInteger('maxBatch', parameters.maxBatch);
  positiveInteger('maxInflightBatches', parameters.maxInflightBatches);
  positiveInteger('statusIntervalMs', parameters.statusIntervalMs);
  positiveInteger('idleStatusIntervalMs', parameters.idleStatusIntervalMs);
  positiveInteger('futureBufferPerSender', parameters.futureBufferPerSender);
  positiveInteger('viewChangeTimeoutMs', parameters.viewChangeTimeoutMs);
  positiveInteger('viewChangeResendMs', parameters.viewChangeResendMs);
  const percent = parameters.robustPrimaryPercent;
  if (percent !== undefined && !(Number.isSafeInteger(percent) && percent >= 1 && percent <= 100)) throw new Error(`robustPrimaryPercent must be a whole number in 1..100, got ${percent}`);
  if (!(parameters.maxViewChangeTimeoutMs >= parameters.viewChangeTimeoutMs)) {
    throw new Error(`maxViewChangeTimeoutMs must be at least viewChangeTimeoutMs (${parameters.maxViewChangeTimeoutMs} < ${parameters.viewChangeTimeoutMs})`);
  }
  if (!(parameters.retransmitAfterMs >= 0)) throw new Error(`retransmitAfterMs must be >= 0, got ${parameters.retransmitAfterMs}`);
  const { checkpointInterval: k, logWindow: l } = parameters;
  if (l % k !== 0 || l < 2 * k) {
    throw new Error(`logWindow must be a multiple of checkpointInterval and at least twice it (L=${l}, K=${k})`);
  }
  return quorums;
}
