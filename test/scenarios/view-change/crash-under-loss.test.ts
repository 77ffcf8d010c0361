// The primary crashing mid-batch under 20% loss with reordering, 50 seeds (OSDI'99 §4.4–4.5; scenarios in test/support/view-change-scenarios.ts).
import { describe, expect, it } from 'vitest';
import { crashUnderLoss } from '../../support/view-change-scenarios.ts';

describe('view change', () => {
  it('primary crashes mid-batch under 20% loss with reordering: progress resumes, nothing executes twice (50 seeds)', () => {
    expect(crashUnderLoss(200, 50)).toEqual([]);
  });
});
