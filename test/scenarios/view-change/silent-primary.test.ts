// A primary silent from 10 s, 50 seeds (OSDI'99 §4.4–4.5; scenarios in test/support/view-change-scenarios.ts).
import { describe, expect, it } from 'vitest';
import { silentPrimary } from '../../support/view-change-scenarios.ts';

describe('view change', () => {
  it('primary silent from 10 s: exactly one view change, every request completes (50 seeds)', () => {
    expect(silentPrimary(100, 50)).toEqual([]);
  });
});
