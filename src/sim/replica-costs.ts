// What each replica of a simulated run spent: messages and bytes it sent and received, by
// message type, and the signatures and verifications its crypto did. Reported per replica
// by `pancydb sim --json` (`perReplica`), so that an attack's cost is visible: which
// replica an adversary made work, and how hard.
//
// The simulator shares one crypto backend, with one verify memo, among all nodes. Each
// replica gets its own counter around it (src/crypto/counting.ts), so `verifications`
// counts the verify calls of that replica alone: what it would cost a real replica without
// a memo. `verifyMemoMisses` counts those the shared memo could not answer, i.e. the first
// verification of a signature anywhere in the run: the simulator's real work.
import type { Crypto } from '../crypto/crypto.ts';
import { countWork, type CountingCrypto } from '../crypto/counting.ts';
import type { MessageType } from '../core/messages.ts';

export interface Traffic {
  messages: number;
  bytes: number;
}

export interface ReplicaCostReport {
  /** Frames the replica put on the network, by type; a broadcast counts once per receiver. */
  readonly sent: Readonly<Record<string, Traffic>>;
  /** Frames delivered to the replica, by type. */
  readonly received: Readonly<Record<string, Traffic>>;
  readonly signatures: number;
  readonly verifications: number;
  readonly verifyMemoMisses: number;
}

export class ReplicaCosts {
  private readonly cryptos: CountingCrypto[];
  private readonly sentByReplica: Map<MessageType, Traffic>[];
  private readonly receivedByReplica: Map<MessageType, Traffic>[];

  constructor(n: number, crypto: Crypto) {
    this.cryptos = Array.from({ length: n }, () => countWork(crypto));
    this.sentByReplica = Array.from({ length: n }, () => new Map());
    this.receivedByReplica = Array.from({ length: n }, () => new Map());
  }

  /** The crypto replica `id` must use for its work to be counted. */
  cryptoOf(id: number): CountingCrypto {
    const crypto = this.cryptos[id];
    if (crypto === undefined) throw new Error(`replica costs: no replica ${id}`);
    return crypto;
  }

  sent(id: number, type: MessageType, bytes: number): void {
    add(this.sentByReplica[id]!, type, bytes);
  }

  received(id: number, type: MessageType, bytes: number): void {
    add(this.receivedByReplica[id]!, type, bytes);
  }

  /** Per replica id, types in name order: the same run gives the same object, key for key. */
  report(): Record<string, ReplicaCostReport> {
    return Object.fromEntries(
      this.cryptos.map((crypto, id) => [
        String(id),
        {
          sent: sorted(this.sentByReplica[id]!),
          received: sorted(this.receivedByReplica[id]!),
          signatures: crypto.work.signatures,
          verifications: crypto.work.verifications,
          verifyMemoMisses: crypto.work.verifyMisses,
        },
      ]),
    );
  }
}

function add(counts: Map<MessageType, Traffic>, type: MessageType, bytes: number): void {
  const traffic = counts.get(type);
  if (traffic === undefined) counts.set(type, { messages: 1, bytes });
  else {
    traffic.messages++;
    traffic.bytes += bytes;
  }
}

function sorted(counts: Map<MessageType, Traffic>): Record<string, Traffic> {
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)).map(([type, traffic]) => [type, { ...traffic }]));
}
