// Frames waiting for one peer, bounded in bytes. Counted are the frames held while the
// link is down plus what the socket has not yet handed to the kernel; a frame that would
// pass the bound is dropped and counted, never queued: a slow or absent peer costs at
// most `maxBytes` of memory, and PBFT's own retransmission (STATUS, client retries)
// recovers what was dropped.
import type { Link } from './link.ts';
import { LENGTH_PREFIX_BYTES } from './framing.ts';

export class OutboundQueue {
  private link: Link | undefined;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  droppedFrames = 0;
  droppedBytes = 0;

  constructor(
    readonly maxBytes: number,
    /** Whether to hold frames while the link is down (replicas: yes; replies to clients: no). */
    private readonly holdWhileDown: boolean,
  ) {}

  get queuedBytes(): number {
    return this.pendingBytes + (this.link?.bufferedBytes ?? 0);
  }

  get connected(): boolean {
    return this.link !== undefined;
  }

  /** Sends or holds `frame`; false when it was dropped because the queue is full (or the link down). */
  send(frame: Uint8Array): boolean {
    const size = frame.length + LENGTH_PREFIX_BYTES;
    if ((this.link === undefined && !this.holdWhileDown) || this.queuedBytes + size > this.maxBytes) {
      this.droppedFrames++;
      this.droppedBytes += size;
      return false;
    }
    if (this.link !== undefined) {
      this.link.send(frame);
    } else {
      this.pending.push(frame);
      this.pendingBytes += size;
    }
    return true;
  }

  attach(link: Link): void {
    this.link = link;
    const pending = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const frame of pending) link.send(frame);
  }

  detach(link: Link): void {
    if (this.link === link) this.link = undefined;
  }

  current(): Link | undefined {
    return this.link;
  }
}
