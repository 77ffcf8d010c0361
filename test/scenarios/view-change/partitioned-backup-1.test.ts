// A backup partitioned for 30 s then healed, seeds 400..424 (the rest in partitioned-backup-2) (OSDI'99 §4.4–4.5; scenarios in test/support/view-change-scenarios.ts).
import { describe, expect, it } from 'vitest';
import { partitionedBackup } from '../../support/view-change-scenarios.ts';

describe('view change', () => {
  it('a backup partitioned for 30 s then healed catches up by state transfer and matches the others (seeds 400..424)', () => {
    expect(partitionedBackup(400, 25)).toEqual([]);
  });
});
