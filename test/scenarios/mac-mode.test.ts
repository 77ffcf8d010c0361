// 'mac' mode (src/core/auth.ts) in the simulator: the default workload runs clean, MACs
// really replace signatures where the design says (replies above all: one per replica per
// operation in 'signed' mode), and one seed still decides the whole run, byte for byte.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { loadSimCommand, runCommandSeed } from '../../src/cli/sim-seed.ts';
import type { SeedReport } from '../../src/sim/run.ts';

/** Signatures every replica made, per operation a client accepted (src/sim/replica-costs.ts). */
function signaturesPerOperation(report: SeedReport): number {
  const signatures = Object.values(report.perReplica).reduce((total, costs) => total + costs.signatures, 0);
  return signatures / report.committed;
}

async function cli(args: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { status, out, err };
}

describe('sim --auth mac, seed 1 of the default workload (profile full: 32 lockseq clients), 3 s', () => {
  // 3 simulated seconds instead of the profile's 100 keep this test at about 2 s a mode; the
  // per-operation figures are the same over the whole run (measured: 0.73 against 4.73).
  const runMode = async (auth: 'signed' | 'mac') => runCommandSeed(await loadSimCommand(['-S', '1', '--duration', '3', '--auth', auth]), 1).report;

  it('no violations, and far fewer signatures per operation than in signed mode (replies are MACed)', async () => {
    const mac = await runMode('mac');
    const signed = await runMode('signed');
    expect(mac.auth).toBe('mac');
    expect(signed.auth).toBe('signed');
    expect(mac.violations).toEqual([]);
    expect(signed.violations).toEqual([]);
    expect(mac.committed).toBeGreaterThan(500);
    // Every replica signs one REPLY per operation in signed mode, and 2 votes per batch in
    // both; a mac mode that still signed its replies would sit near the signed figure.
    const macPerOperation = signaturesPerOperation(mac);
    const signedPerOperation = signaturesPerOperation(signed);
    expect(macPerOperation, `mac ${macPerOperation.toFixed(2)} vs signed ${signedPerOperation.toFixed(2)} signatures per operation`).toBeLessThan(signedPerOperation / 2);
    // Not one reply signed: every REPLY frame went out in the MAC form, shorter than a signed one.
    for (const [id, costs] of Object.entries(mac.perReplica)) {
      const macReply = costs.sent['reply']!;
      const signedReply = signed.perReplica[id]!.sent['reply']!;
      expect(macReply.bytes / macReply.messages, `replica ${id}`).toBeLessThan(signedReply.bytes / signedReply.messages - 40);
    }
  });
});

describe('sim --auth mac: determinism and what the output states', () => {
  const args = ['sim', '-S', '1', '--profile', 'ci', '--duration', '2', '--auth', 'mac', '-V'];

  it('the same seed twice gives byte-identical output, trace included', async () => {
    const first = await cli(args);
    const second = await cli(args);
    expect(first.status).toBe(0);
    expect(first.out.length).toBeGreaterThan(1000);
    expect(second.out.join('\n')).toBe(first.out.join('\n'));
    expect(second.err).toEqual(first.err);
  });

  it('the trace header, the summary line and --json name the mode', async () => {
    const traced = await cli(args);
    expect(traced.out[0]).toBe('sim: n=4 f=1 auth=mac; seeds 1..1');
    expect(traced.out.at(-2)).toMatch(/^seed 1: .*; auth=mac; ok$/);
    const json = await cli(['sim', '-S', '1', '--profile', 'ci', '--duration', '2', '--auth', 'mac', '--json']);
    expect(JSON.parse(json.out[0]!).auth).toBe('mac');
    const plain = await cli(['sim', '-S', '1', '--profile', 'ci', '--duration', '2', '--json']);
    expect(JSON.parse(plain.out[0]!).auth).toBe('signed');
  });
});
