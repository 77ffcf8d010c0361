// Quorum arithmetic (src/core/quorum.ts) against the paper's formulas written out the
// naive way (OSDI'99 §3, §4.1–4.3), and VoteSet against a reference that keeps a list of
// (replica, value) pairs and counts the first vote of each replica by scanning it.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { primaryOf, quorumsFor, VoteSet } from '../../src/core/quorum.ts';

describe('quorumsFor', () => {
  it('n = 3f+1, f = 1..30: weak f+1, strong 2f+1, prepares 2f', () => {
    for (let f = 1; f <= 30; f++) {
      const n = 3 * f + 1;
      expect(quorumsFor(n)).toEqual({ n, f, weak: f + 1, strong: 2 * f + 1, prepares: 2 * f });
    }
  });

  it('any two strong quorums intersect in at least f+1 replicas, so in a correct one (§4.2)', () => {
    for (let f = 1; f <= 30; f++) {
      const { n, strong, weak } = quorumsFor(3 * f + 1);
      expect(2 * strong - n).toBeGreaterThanOrEqual(weak);
      // A weak quorum always holds a correct replica; f faulty ones cannot form it.
      expect(weak).toBeGreaterThan(f);
    }
  });

  it.each([0, 1, 2, 3, 5, 6, 8, 9, 11, -2, 4.5, 7.000001, Number.NaN, Number.POSITIVE_INFINITY])('rejects n = %s with an Error naming n', (n) => {
    expect(() => quorumsFor(n)).toThrow(Error);
    expect(() => quorumsFor(n)).toThrow(/n must be 3f\+1/);
  });

  it('rejects every n that is not 3f+1 with f >= 1 (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -100, max: 1000 }), fc.double({ noNaN: false })), (n) => {
        const valid = Number.isInteger(n) && n >= 4 && (n - 1) % 3 === 0;
        if (valid) expect(quorumsFor(n).f).toBe((n - 1) / 3);
        else expect(() => quorumsFor(n)).toThrow(Error);
      }),
    );
  });

  it('primaryOf(v, n) = v mod n: views rotate through every replica (§4.1)', () => {
    expect([0, 1, 2, 3, 4, 5, 8, 11].map((view) => primaryOf(view, 4))).toEqual([0, 1, 2, 3, 0, 1, 0, 3]);
  });
});

/** The obvious reference: a list of every vote, scanned for each replica's first one. */
class NaiveVotes {
  readonly all: [number, string][] = [];

  add(replica: number, value: string): void {
    this.all.push([replica, value]);
  }

  firstVotes(): Map<number, string> {
    const first = new Map<number, string>();
    for (const [replica, value] of this.all) if (!first.has(replica)) first.set(replica, value);
    return first;
  }
}

const votes = fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.constantFrom('a', 'b', 'c')), { maxLength: 40 });

describe('VoteSet', () => {
  it('keeps each replica\'s first vote and counts it once, however often it votes (property)', () => {
    fc.assert(
      fc.property(votes, (sequence) => {
        const set = new VoteSet<string>();
        const naive = new NaiveVotes();
        for (const [replica, value] of sequence) {
          const hadVoted = naive.firstVotes().has(replica);
          expect(set.add(replica, value)).toBe(!hadVoted);
          naive.add(replica, value);
        }
        const first = naive.firstVotes();
        expect(set.size).toBe(first.size);
        for (const value of ['a', 'b', 'c']) {
          const expected = [...first].filter(([, vote]) => vote === value).map(([replica]) => replica);
          expect(set.count((vote) => vote === value)).toBe(expected.length);
          expect(set.voters((vote) => vote === value)).toEqual(expected.sort((x, y) => x - y));
        }
        for (let replica = 0; replica <= 9; replica++) {
          expect(set.has(replica)).toBe(first.has(replica));
          expect(set.get(replica)).toBe(first.get(replica));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('an equivocating replica voting a, b, a, b still adds one vote, for a', () => {
    const set = new VoteSet<string>();
    expect([set.add(2, 'a'), set.add(2, 'b'), set.add(2, 'a'), set.add(2, 'b')]).toEqual([true, false, false, false]);
    expect(set.count(() => true)).toBe(1);
    expect(set.count((vote) => vote === 'b')).toBe(0);
  });
});
