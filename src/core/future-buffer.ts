// Messages from the future (OSDI'99 §4.2, §4.4): valid frames for a later view or above
// the high watermark H, held per sender until the window or the view moves, then passed
// through the gateway again. Bounded per sender in count and in bytes, so a Byzantine
// peer cannot fill our memory with messages we cannot use yet.
import { bytesEqual } from './bytes.ts';
import type { DropReason, Peer } from './gateway.ts';
import { FUTURE_BUFFER_BYTES_PER_SENDER } from './limits.ts';

interface Buffered {
  readonly from: Peer;
  readonly frame: Uint8Array;
}

export class FutureBuffer {
  private readonly future = new Map<number, Buffered[]>();

  /** Holds `frame` for later; or says why not (the caller drops it with that reason). */
  add(from: Peer, frame: Uint8Array, maxPerSender: number): { readonly reason: DropReason; readonly detail: string } | undefined {
    const queue = this.future.get(from.id) ?? [];
    if (queue.some((buffered) => bytesEqual(buffered.frame, frame))) return { reason: 'redundant', detail: 'already buffered' };
    const bufferedBytes = queue.reduce((total, buffered) => total + buffered.frame.length, 0);
    if (queue.length > 0 && bufferedBytes + frame.length > FUTURE_BUFFER_BYTES_PER_SENDER) {
      return { reason: 'future-buffer-full', detail: `${bufferedBytes} bytes buffered from replica ${from.id}` };
    }
    if (queue.length >= maxPerSender) return { reason: 'future-buffer-full', detail: `${queue.length} buffered from replica ${from.id}` };
    queue.push({ from, frame });
    this.future.set(from.id, queue);
    return undefined;
  }

  /** Empties the buffer, returning what it held in sender order (determinism, style rule 7). */
  takeAll(): Buffered[] {
    const buffered = [...this.future.keys()].sort((a, b) => a - b).flatMap((sender) => this.future.get(sender)!);
    this.future.clear();
    return buffered;
  }

  /** Frames held, for memory-bound checks. */
  get count(): number {
    let total = 0;
    for (const queue of this.future.values()) total += queue.length;
    return total;
  }

  /** Bytes of the frames held. */
  retainedBytes(): number {
    let total = 0;
    for (const queue of this.future.values()) for (const { frame } of queue) total += frame.length;
    return total;
  }
}
