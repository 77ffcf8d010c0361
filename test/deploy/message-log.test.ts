// The message log file (src/deploy/message-log.ts): appended across process runs, bounded
// in bytes (one "capped" line says where it stopped), lines skipped and counted rather
// than held when the disk falls behind, and everything buffered written by close().
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { frameId, MessageLogFile } from '../../src/deploy/message-log.ts';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pancydb-message-log-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lines = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));

describe('message log file', () => {
  it('appends: a second process run adds its lines after the first run’s; close() writes all that was buffered', async () => {
    const path = join(dir, 'r0.jsonl');
    const first = MessageLogFile.open(path, 1 << 20, () => {});
    for (let at = 0; at < 1000; at++) first.write({ at, e: 'send' });
    await first.close();
    const second = MessageLogFile.open(path, 1 << 20, () => {});
    second.write({ at: 1000, e: 'start' });
    await second.close();
    expect(lines(path).map((line) => line.at)).toEqual(Array.from({ length: 1001 }, (_, at) => at));
  });

  it('stops at its cap with one "capped" line, says so once, and a process started on a full file writes nothing', async () => {
    const path = join(dir, 'r1.jsonl');
    const problems: string[] = [];
    const log = MessageLogFile.open(path, 1024, (problem) => problems.push(problem));
    for (let at = 0; at < 100; at++) log.write({ at, e: 'receive', from: 'r0', id: '0123456789abcdef' });
    expect(log.open).toBe(false);
    await log.close();
    const written = lines(path);
    expect(written.at(-1)).toMatchObject({ e: 'capped' });
    expect(written.slice(0, -1).every((line) => line.e === 'receive')).toBe(true);
    expect(statSync(path).size - JSON.stringify(written.at(-1)).length - 1).toBeLessThanOrEqual(1024);
    expect(problems).toEqual([`${path} reached its cap of 1024 bytes: nothing more is logged`]);

    const again = MessageLogFile.open(path, 1024, (problem) => problems.push(problem));
    again.write({ at: 200, e: 'start' });
    await again.close();
    expect(lines(path)).toEqual(written);
    expect(problems[1]).toMatch(/already holds \d+ bytes, its cap is 1024: nothing more is logged$/);
  });

  it('skips and counts lines while 16 MiB wait for the disk, and says how many before the next line', async () => {
    const path = join(dir, 'r2.jsonl');
    const log = MessageLogFile.open(path, 1 << 30, () => {});
    const text = 'x'.repeat(1 << 20);
    for (let at = 0; at < 20; at++) log.write({ at, e: 'event', text }); // one turn: nothing written yet
    log.write({ at: 20, e: 'stop' });
    await log.close();
    expect(lines(path).map(({ at, e, lines: skipped }) => ({ at, e, skipped }))).toEqual([
      ...Array.from({ length: 15 }, (_, at) => ({ at, e: 'event', skipped: undefined })),
      { at: 20, e: 'skipped', skipped: 5 },
      { at: 20, e: 'stop', skipped: undefined },
    ]);
  });

  it('refuses a path it cannot open, naming it; frame ids are 16 hex digits of SHA-256', () => {
    expect(() => MessageLogFile.open(join(dir, 'no', 'such', 'dir.jsonl'), 1024, () => {})).toThrow(/no\/such\/dir\.jsonl: cannot open for appending/);
    // SHA-256("abc") = ba7816bf8f01cfea…
    expect(frameId(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea');
  });
});
