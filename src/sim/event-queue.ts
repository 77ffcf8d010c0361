// Virtual time. Events run in (time, insertion order), so two events at the same
// simulated millisecond always run in the order they were scheduled: that, and the
// single seeded Rng, is what makes a run byte-for-byte reproducible.

interface ScheduledEvent {
  readonly atMs: number;
  readonly order: number;
  readonly run: () => void;
}

export class EventQueue {
  private readonly heap: ScheduledEvent[] = [];
  private inserted = 0;
  nowMs = 0;

  schedule(atMs: number, run: () => void): void {
    if (!(atMs >= this.nowMs)) throw new Error(`cannot schedule in the past: ${atMs} < ${this.nowMs}`);
    this.heap.push({ atMs, order: this.inserted++, run });
    this.siftUp(this.heap.length - 1);
  }

  get size(): number {
    return this.heap.length;
  }

  /** Runs events in order up to and including `untilMs`, or until `shouldStop` says so. */
  runUntil(untilMs: number, shouldStop: () => boolean = () => false): void {
    while (this.heap.length > 0 && this.heap[0]!.atMs <= untilMs && !shouldStop()) {
      const event = this.pop();
      this.nowMs = event.atMs;
      event.run();
    }
    if (!shouldStop()) this.nowMs = Math.max(this.nowMs, untilMs);
  }

  private pop(): ScheduledEvent {
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private before(a: ScheduledEvent, b: ScheduledEvent): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.order < b.order);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(heap[index]!, heap[parent]!)) return;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
      index = smallest;
    }
  }
}
