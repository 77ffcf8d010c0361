// Two faulty primaries in a row with n=7, 50 seeds (OSDI'99 §4.4–4.5; scenarios in test/support/view-change-scenarios.ts).
import { describe, expect, it } from 'vitest';
import { twoFaultyPrimaries } from '../../support/view-change-scenarios.ts';

describe('view change', () => {
  it('two faulty primaries in a row, n=7 (replicas 0 and 1 silent): view 2 is reached and serves (50 seeds)', () => {
    expect(twoFaultyPrimaries(300, 50)).toEqual([]);
  });
});
