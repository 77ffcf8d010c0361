// Crash points for the crash tests: PANCYDB_CRASH_AT=POINT:K makes a replica process kill
// itself with SIGKILL (what `kill -9` does) at the K-th time it reaches POINT, so a test
// can crash it between any two steps of the durability protocol:
//   append      a WAL record was appended, not yet synced (it may be lost)
//   sync        records were synced, the messages they cover not yet sent
//   rotate      a checkpoint's new WAL segment exists, the checkpoint file not yet written
//   checkpoint  the checkpoint file was written, the old segments not yet dropped
//   truncate    the old segments were dropped
// Unset, it costs one comparison per point. A bad value stops the process at start with a
// message naming the variable (exit 2), like any other usage error.
import { UsageError } from '../cli/usage-error.ts';
import { DISK_POINTS, type DiskPoint } from '../storage/replica-disk.ts';

/** Where a replica can be stopped: each step of ReplicaDisk (src/storage/replica-disk.ts). */
export const CRASH_POINTS = DISK_POINTS;

export class CrashPoints {
  private reached = 0;

  private constructor(
    private readonly point: DiskPoint | undefined,
    private readonly at: number,
    private readonly kill: () => void,
  ) {}

  /** Reads PANCYDB_CRASH_AT; `kill` defaults to SIGKILL of this process. */
  static fromEnvironment(value: string | undefined, kill: () => void = () => process.kill(process.pid, 'SIGKILL')): CrashPoints {
    if (value === undefined || value === '') return new CrashPoints(undefined, 0, kill);
    const match = /^([a-z]+):(\d{1,9})$/.exec(value);
    const point = match?.[1] as DiskPoint | undefined;
    const at = Number(match?.[2]);
    if (match === null || !CRASH_POINTS.includes(point!) || !(at >= 1)) {
      throw new UsageError(`PANCYDB_CRASH_AT must be POINT:K with POINT one of ${CRASH_POINTS.join(', ')} and K ≥ 1, got ${JSON.stringify(value)}`);
    }
    return new CrashPoints(point, at, kill);
  }

  get armed(): string | undefined {
    return this.point === undefined ? undefined : `${this.point}:${this.at}`;
  }

  reach(point: DiskPoint): void {
    if (point !== this.point) return;
    if (++this.reached === this.at) this.kill();
  }
}
