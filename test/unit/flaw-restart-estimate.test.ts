// The 'restart-estimate-on-2f' flaw (src/core/flaws.ts): a replica restarted without memory
// fixes its view estimate E from the first 2f RECOVERY-REPLYs instead of 2f+1. This replays
// the schedule of the outside review (notebook 2026-11-30, "Hardening" §1; the sound twin
// is test/unit/restart-recovery.test.ts): one liar and one lagging correct replica fill the
// 2f, E falls to 0, and the restarted replica prepares a second digest at (1, 1), which the
// signed-twice checker reports. It needs one Byzantine replica that both lies in its
// RECOVERY-REPLY and pre-prepares (1, 1) again, which no shipped adversary does, so the
// schedule is written out here rather than left to a simulated run.
import { describe, expect, it } from 'vitest';
import { SignedTwiceChecker } from '../../src/check/signed-twice.ts';
import type { Violation } from '../../src/check/violation.ts';
import { encodeBatch } from '../../src/core/encoding.ts';
import type { ProtocolFlaw } from '../../src/core/flaws.ts';
import type { PrePrepare, RecoveryReply, Signed } from '../../src/core/messages.ts';
import { Replica } from '../../src/core/replica.ts';
import { crypto, Pump, TEST_PARAMETERS, type Envelope } from '../support/pump.ts';

const T = TEST_PARAMETERS.viewChangeTimeoutMs;

/** The review's schedule, replica 2's restart carrying `flaws`; what signed-twice saw. */
function reviewSchedule(flaws: ReadonlySet<ProtocolFlaw>): { violations: Violation[]; estimate: number | undefined } {
  const pump = new Pump();
  // Phase 1: replica 0 is cut off; 1, 2, 3 move to view 1 and execute A at n = 1.
  const cutOff = (envelope: Envelope) => envelope.to === 0 || envelope.from.id === 0;
  pump.fate = (envelope) => (cutOff(envelope) && envelope.from.kind === 'replica' ? 'lose' : 'deliver');
  const a = pump.signRequest(0, 1, { type: 'put', key: 'x', value: 'A' });
  for (const id of [1, 2, 3]) pump.request(a, id);
  pump.run();
  pump.advance(T + 500, 50);
  expect(pump.replica(2).view).toBe(1);
  const newViewOne = pump.broadcastsBy(1, 'new-view')[0]!;

  // Phase 2: replica 2 restarts without memory; replica 3's messages to it are held.
  // Replica 0 is reachable again (still in view 0); replica 1 turns Byzantine: its
  // RECOVERY-REPLY claims view 0, and it pre-prepares another batch B at (1, 1).
  const config = { ...pump.replica(2).config, flaws };
  const recoveryNonce = crypto.sha256(new TextEncoder().encode(`flaw restart ${pump.nowMs}`)).slice(0, 16);
  const restarted = new Replica(config, { restarted: true, recoveryNonce });
  (pump.replicas as Replica[])[2] = restarted;
  pump.fate = (envelope) => (envelope.from.id === 3 && envelope.to === 2 ? 'hold' : 'deliver');
  pump.outbound = (from, output) => {
    const message = output.signed.message;
    if (from === 1 && message.type === 'recovery-reply') return pump.sign<RecoveryReply>({ ...message, view: 0, proof: [] });
    return output.signed;
  };
  pump.advance(pump.nowMs + 600, 50);
  const batch = [pump.signRequest(1, 1, { type: 'put', key: 'x', value: 'B' })];
  const prePrepareB = pump.sign<PrePrepare>({ type: 'pre-prepare', view: 1, seq: 1, digest: crypto.sha256(encodeBatch(batch)), replica: 1, batch });
  for (const to of [0, 2]) {
    pump.inject(1, to, newViewOne);
    pump.inject(1, to, prePrepareB as Signed);
  }
  pump.run();
  pump.advance(pump.nowMs + 2_000, 50);

  // Everything replica 2 signed, before and after its restart, through the checker.
  const violations: Violation[] = [];
  const checker = new SignedTwiceChecker((violation) => violations.push(violation));
  for (const { from, output } of pump.sent) {
    if (from === 2 && (output.kind === 'send' || output.kind === 'broadcast')) checker.onSent(2, output.signed, 0);
  }
  return { violations, estimate: restarted.recoveryEstimate };
}

describe("restart-estimate-on-2f: E from 2f RECOVERY-REPLYs lets one liar and one lagging replica lower it (TOCS 2002 §4.3), n=4, f=1", () => {
  it('broken: E is fixed at 0 from the liar and replica 0, and replica 2 signs PREPAREs for A and B at (1, 1)', () => {
    const { violations, estimate } = reviewSchedule(new Set(['restart-estimate-on-2f']));
    expect(estimate).toBe(0);
    expect(violations.map((violation) => violation.property)).toContain('signed-twice');
    expect(violations[0]!.detail).toMatch(/replica 2 signed (PREPARE|COMMIT) v=1 n=1/);
  });

  it('sound: the same schedule fixes no estimate from two replies, and replica 2 signs nothing twice', () => {
    const { violations, estimate } = reviewSchedule(new Set());
    expect(estimate).toBeUndefined();
    expect(violations).toEqual([]);
  });
});
