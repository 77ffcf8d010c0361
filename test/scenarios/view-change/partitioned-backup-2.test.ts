// A backup partitioned for 30 s then healed, seeds 425..449 (the rest in partitioned-backup-1) (OSDI'99 §4.4–4.5; scenarios in test/support/view-change-scenarios.ts).
import { describe, expect, it } from 'vitest';
import { partitionedBackup } from '../../support/view-change-scenarios.ts';

describe('view change', () => {
  it('a backup partitioned for 30 s then healed catches up by state transfer and matches the others (seeds 425..449)', () => {
    expect(partitionedBackup(425, 25)).toEqual([]);
  });
});
