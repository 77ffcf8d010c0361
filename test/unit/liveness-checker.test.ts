// The liveness checker (src/check/liveness.ts) on hand-made histories: which requests
// are due and by when, and that a cluster which stopped before `liveAfterMs` cannot pass
// by leaving no request to check.
import { describe, expect, it } from 'vitest';
import { checkLiveness, type LivenessExpectation } from '../../src/check/liveness.ts';
import type { PancydbHistory } from '../../src/check/linearizability/index.ts';
import type { Operation, OperationResult } from '../../src/core/operations.ts';

const PUT: Operation = { type: 'put', key: 'k', value: 'v' };
const OK: OperationResult = { status: 'ok', actual: '', previousVersion: 0, version: 1 };

/** One operation of `client`, called at callS and returned at returnS (seconds; undefined: still open). */
function op(id: number, client: number, callS: number, returnS: number | undefined): PancydbHistory[number] {
  return { id, client, callMs: callS * 1000, returnMs: returnS === undefined ? undefined : returnS * 1000, input: PUT, output: returnS === undefined ? undefined : OK };
}

const BOUND: LivenessExpectation = { liveAfterMs: 15_000, completeWithinMs: 10_000 };
const END_MS = 30_000;

describe('liveness checker: requests called before liveAfterS', () => {
  it('the cluster stops at 13 s of a 30 s run, liveAfterS 15: the requests open since then are due by 25 s, so it fails', () => {
    // Two clients, one request at a time each: the last completion is at 13 s, then both wait to the end.
    const history = [op(0, 0, 12, 12.5), op(1, 1, 12.2, 13), op(2, 0, 13.4, undefined), op(3, 1, 13.9, undefined)];
    const violations = checkLiveness(history, BOUND, END_MS);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.every((violation) => violation.property === 'liveness')).toBe(true);
    expect(violations.map((violation) => violation.detail).join('\n')).toMatch(/op #2 .*open at 15000 ms, due by 25000 ms, still open/);
    expect(violations.some((violation) => /no correct client's request completed from 15000 ms/.test(violation.detail))).toBe(true);
  });

  it('a request open at liveAfterS that returns after liveAfterS + completeWithinS is late', () => {
    const history = [op(0, 0, 14, 26), op(1, 1, 16, 17)];
    const violations = checkLiveness(history, BOUND, END_MS);
    expect(violations.map((violation) => violation.detail)).toEqual([expect.stringMatching(/op #0 .*due by 25000 ms, returned at 26000 ms/)]);
  });

  it('a request open at liveAfterS that returns by liveAfterS + completeWithinS is fine, however long it took in all', () => {
    expect(checkLiveness([op(0, 0, 1, 24), op(1, 1, 16, 17)], BOUND, END_MS)).toEqual([]);
  });

  it('a request that returned before liveAfterS is not due, however long it took', () => {
    expect(checkLiveness([op(0, 0, 1, 14.9), op(1, 0, 15.5, 16)], BOUND, END_MS)).toEqual([]);
  });
});

describe('liveness checker: requests called after liveAfterS', () => {
  it('one that took longer than completeWithinS is late', () => {
    const violations = checkLiveness([op(0, 0, 16, 27), op(1, 1, 16, 17)], BOUND, END_MS);
    expect(violations.map((violation) => violation.detail)).toEqual([expect.stringMatching(/op #0 .*due by 26000 ms, returned at 27000 ms/)]);
  });

  it('one still open at the end is late once its deadline has passed, not before', () => {
    expect(checkLiveness([op(0, 0, 16, undefined), op(1, 1, 16, 17)], BOUND, END_MS)).toHaveLength(1);
    expect(checkLiveness([op(0, 0, 25, undefined), op(1, 1, 16, 20)], BOUND, END_MS)).toEqual([]);
  });
});

describe('liveness checker: no progress at all after liveAfterS', () => {
  it('fails even when the bound is longer than what is left of the run', () => {
    const long: LivenessExpectation = { liveAfterMs: 15_000, completeWithinMs: 60_000 };
    const violations = checkLiveness([op(0, 0, 14, undefined), op(1, 1, 10, 11)], long, END_MS);
    expect(violations).toEqual([expect.objectContaining({ property: 'liveness', detail: expect.stringMatching(/no correct client's request completed .* client 0 waited for op #0/) })]);
  });

  it('a client that was between requests at liveAfterS and then waited through most of the window counts too', () => {
    const long: LivenessExpectation = { liveAfterMs: 15_000, completeWithinMs: 60_000 };
    expect(checkLiveness([op(0, 0, 10, 11), op(1, 0, 16, undefined)], long, END_MS)).toHaveLength(1);
  });

  it('does not fire when a request completes after liveAfterS, or when nobody waits', () => {
    const long: LivenessExpectation = { liveAfterMs: 15_000, completeWithinMs: 60_000 };
    expect(checkLiveness([op(0, 0, 14, undefined), op(1, 1, 16, 17)], long, END_MS)).toEqual([]);
    expect(checkLiveness([op(0, 0, 10, 11)], long, END_MS)).toEqual([]);
    expect(checkLiveness([], long, END_MS)).toEqual([]);
  });
});

describe('liveness checker: Byzantine clients are owed nothing', () => {
  it("a Byzantine client's request executed long after it was sent is not late; a correct client's is", () => {
    // Ids from correctClients on are Byzantine (their executed requests join the history).
    const history = [op(0, 0, 16, 17), op(1, 2, 16, 29)];
    expect(checkLiveness(history, BOUND, END_MS, { correctClients: 2 })).toEqual([]);
    expect(checkLiveness(history, BOUND, END_MS)).toHaveLength(1);
  });
});
