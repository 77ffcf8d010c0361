// Keeps the one ordering rule of log truncation: a segment is dropped only after a checkpoint
// written later than that segment's end is durable (etcd keeps WAL files until a snapshot
// covers them). Both storage implementations delegate to it, so they refuse alike.
export class TruncationGuard {
  /** The segment that took appends when the last checkpoint of this run became durable; 0: none yet. */
  private checkpointSegment = 0;

  noteCheckpointWritten(currentSegment: number): void {
    this.checkpointSegment = currentSegment;
  }

  /** Throws unless dropping the segments before `segment` follows a durable checkpoint. */
  checkDrop(segment: number, currentSegment: number): void {
    if (!Number.isSafeInteger(segment) || segment < 1 || segment > currentSegment) {
      throw new RangeError(`dropSegmentsBefore: segment ${segment} is not in 1..${currentSegment}`);
    }
    if (segment > this.checkpointSegment) {
      // After a restart the guard knows of no checkpoint: write one before dropping again.
      throw new Error(
        `dropSegmentsBefore(${segment}): no checkpoint written since segment ${segment} began ` +
          `(last one during segment ${this.checkpointSegment}); truncating now could lose the only copy`,
      );
    }
  }
}
