// The frame fuzzer in CI: a few seeds, each ~6,000 mutated frames over the three states
// (normal, mid-view-change, after state transfer). The million-frame run is `npm run fuzz`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzz, MUTATION_KINDS, replayCommand } from '../support/fuzz.ts';

describe('fuzzing replicas and clients with mutated frames', () => {
  it('no frame throws, no frame without a valid signature of its claimed sender changes view, executed prefix, store or a client result, and nothing grows (4 seeds × 6,000 frames)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seedNumber) => {
        const seed = `ci-${seedNumber}`;
        const frames = 6000;
        const report = fuzz({ seed, frames, framesPerWorld: 2000, maxFindings: 1 });
        const first = report.findings[0];
        const replay = first === undefined ? '' : ` (${first.kind} at frame ${first.frameIndex}, ${first.mutation}, ${first.world}, ${first.target}: ${first.detail}; replay: ${replayCommand(seed, first.frameIndex + 1)})`;
        expect(report.findings.length, `findings${replay}`).toBe(0);
        expect(report.frames).toBe(frames);
        expect(report.worlds).toBe(3);
        for (const kind of MUTATION_KINDS) expect(report.byMutation[kind], kind).toBeGreaterThan(0);
        // The drops show the attack reached past the decoder: signatures and contents were checked.
        expect(report.dropsByReason.get('malformed') ?? 0).toBeGreaterThan(0);
        expect(report.dropsByReason.get('bad-signature') ?? 0).toBeGreaterThan(0);
      }),
      { numRuns: 4 },
    );
  });
});
