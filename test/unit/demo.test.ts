// `pancydb demo`: the narrated view change (OSDI'99 §4.4) must tell the same story on
// every run, show each step a newcomer needs, end with the checkers' verdict, and stay
// quick enough to run by hand.
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo.ts';

interface DemoRun {
  readonly status: number;
  readonly out: readonly string[];
  readonly err: readonly string[];
  readonly wallMs: number;
}

function demo(args: readonly string[]): DemoRun {
  const out: string[] = [];
  const err: string[] = [];
  const startMs = performance.now();
  const status = runDemo(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { status, out, err, wallMs: performance.now() - startMs };
}

let defaultRun: DemoRun | undefined;
/** The default demo (seed 1), run once and shared: each test reads a different part of it. */
function defaultDemo(): DemoRun {
  defaultRun ??= demo([]);
  return defaultRun;
}

/** The lines of one section: after its heading, up to the next blank line. */
function section(out: readonly string[], heading: string): string[] {
  const start = out.indexOf(heading);
  expect(start, `heading "${heading}"`).toBeGreaterThanOrEqual(0);
  const end = out.indexOf('', start);
  return out.slice(start + 1, end === -1 ? undefined : end);
}

describe('pancydb demo: silent primary, n=4, f=1', () => {
  it('finishes in well under 15 s of wall time and exits 0', () => {
    const run = defaultDemo();
    expect(run.status).toBe(0);
    expect(run.err).toEqual([]);
    expect(run.wallMs).toBeLessThan(15_000);
  });

  it('prints byte-identical output on a second run', () => {
    const first = defaultDemo();
    const second = demo([]);
    expect(second.status).toBe(first.status);
    expect(second.out.join('\n')).toBe(first.out.join('\n'));
  });

  it('has the five sections, in order', () => {
    const { out } = defaultDemo();
    const headings = ['1. Normal operation in view 0', '2. The primary goes silent', '3. View change', '4. View 1', 'Summary'];
    const positions = headings.map((heading) => out.indexOf(heading));
    expect(positions.every((position) => position >= 0), JSON.stringify(positions)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('every step line starts with the simulated time', () => {
    const { out } = defaultDemo();
    for (const heading of ['1. Normal operation in view 0', '2. The primary goes silent', '3. View change', '4. View 1']) {
      const steps = section(out, heading).filter((line) => !line.startsWith(' '.repeat(9)));
      expect(steps.length, heading).toBeGreaterThan(0);
      for (const line of steps) expect(line).toMatch(/^ +\d+\.\d{3}s \S/);
    }
  });

  it('walks one request through the normal case: REQUEST, PRE-PREPARE, PREPARE, COMMIT, execution, REPLY, acceptance', () => {
    const normal = section(defaultDemo().out, '1. Normal operation in view 0').join('\n');
    expect(normal).toMatch(/c\d+ → replica 0: REQUEST t=1 /);
    expect(normal).toMatch(/replica 0 → all: PRE-PREPARE view 0, n=1 /);
    expect(normal).toMatch(/replicas 1, 2, 3 → all: PREPARE view 0, n=1 /);
    expect(normal).toMatch(/→ all: COMMIT view 0, n=1 /);
    expect(normal).toMatch(/execute n=1 /);
    expect(normal).toMatch(/→ c\d+: REPLY t=1 /);
    expect(normal).toMatch(/accepts .* f\+1 = 2 matching REPLYs/);
  });

  it('shows the primary going silent and its messages being lost', () => {
    const silence = section(defaultDemo().out, '2. The primary goes silent').join('\n');
    expect(silence).toMatch(/^ +3\.000s replica 0 goes silent/m);
    expect(silence).toMatch(/replica 0 → all: .* lost/);
  });

  it('collapses each VIEW-CHANGE broadcast to one line, from at least two backups, for view 1', () => {
    const viewChange = section(defaultDemo().out, '3. View change');
    const senders = viewChange.map((line) => /replica ([123]) → all: VIEW-CHANGE for view 1\b.*h=\d+, P: /.exec(line)?.[1]).filter((id) => id !== undefined);
    expect(new Set(senders).size).toBeGreaterThanOrEqual(2);
    expect(senders.length).toBe(new Set(senders).size);
  });

  it('shows the NEW-VIEW from replica 1 with min-s, max-s and the O it computed', () => {
    const viewChange = section(defaultDemo().out, '3. View change').join('\n');
    expect(viewChange).toMatch(/replica 1 → all: NEW-VIEW for view 1 .*min-s=\d+, max-s=\d+, \d+ PRE-PREPAREs? \(\d+ prepared batch(es)?, \d+ null requests?\)/);
    expect(viewChange).toMatch(/accept the NEW-VIEW: .* enters view 1/);
  });

  it('shows requests executing again in view 1 and clients getting results', () => {
    const view1 = section(defaultDemo().out, '4. View 1').join('\n');
    expect(view1).toMatch(/replicas? [\d, ]+ execute n=\d+ in view 1/);
    expect(view1).toMatch(/c\d+ accepts t=\d+: /);
  });

  it('summarises one view change and every check passing', () => {
    const summary = section(defaultDemo().out, 'Summary');
    const text = summary.join('\n');
    expect(text).toMatch(/ended in view 1 .*; 1 view change$/m);
    expect(text).toMatch(/client operations accepted: [1-9]\d* before the view change, [1-9]\d* after/);
    for (const check of ['agreement', 'state-agreement', 'exactly-once', 'validity', 'reply-integrity', 'lockseq', 'memory-bound']) {
      expect(text).toMatch(new RegExp(`^ +${check} +passed: `, 'm'));
    }
    expect(text).toMatch(/all replicas end with the same state digest [0-9a-f]{16}/);
    expect(defaultDemo().out.at(-1)).toMatch(/^PASS: /);
  });

  it('-S picks another seed: another story, the same verdict', () => {
    const other = demo(['-S', '2']);
    expect(other.status).toBe(0);
    expect(other.out[0]).toContain('seed 2');
    expect(other.out.join('\n')).not.toBe(defaultDemo().out.join('\n'));
  });
});

describe('pancydb demo: command line', () => {
  it('--help prints the usage and exits 0', () => {
    for (const flag of ['-h', '--help']) {
      const run = demo([flag]);
      expect(run.status).toBe(0);
      expect(run.out.join('\n')).toContain('Usage: pancydb demo');
    }
  });

  it.each([
    [['--bogus'], 'unknown option --bogus'],
    [['-x'], 'unknown option -x'],
    [['-S'], '-S needs a value'],
    [['-S', 'one'], '-S needs a whole number, got one'],
  ])('%j exits 2 and names the problem', (args, message) => {
    const run = demo(args);
    expect(run.status).toBe(2);
    expect(run.err.join('\n')).toContain(message);
    expect(run.out).toEqual([]);
  });
});
