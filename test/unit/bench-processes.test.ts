// The benchmark's wait for its servers' ready lines (src/deploy/bench/processes.ts) is
// bounded: a process that starts and then neither prints its ready line nor exits fails
// the wait, named, with what it printed. Before, one such child hung `pancydb bench` until
// its caller killed it, with nothing said about which process it was.
import { afterEach, describe, expect, it } from 'vitest';
import { allReady, startPancydb, stopProcess, type ServerProcess } from '../../src/deploy/bench/processes.ts';

const started: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => stopProcess(server, 1000)));
});

/** A node process running `script` in place of pancydb (the arguments after it are ignored). */
function startScript(name: string, script: string): ServerProcess {
  const server = startPancydb(name, [], /^ready/, [], ['-e', script]);
  started.push(server);
  return server;
}

describe('allReady', () => {
  it('resolves with every ready line, in order', async () => {
    const servers = [startScript('one', "console.log('ready one'); setInterval(() => {}, 1000)"), startScript('two', "console.log('starting'); console.log('ready two'); setInterval(() => {}, 1000)")];
    await expect(allReady(servers, 20_000)).resolves.toEqual(['ready one', 'ready two']);
  });

  it('fails after the timeout naming only the servers not ready, with their pid, state and last lines', async () => {
    const ready = startScript('fine', "console.log('ready'); setInterval(() => {}, 1000)");
    const chatty = startScript('stuck-after-a-line', "console.log('loading the cluster file'); setInterval(() => {}, 1000)");
    const silent = startScript('stuck-silent', 'setInterval(() => {}, 1000)');
    await ready.ready;
    await expect.poll(() => chatty.tail.length, { timeout: 20_000 }).toBe(1);
    const failure = await allReady([ready, chatty, silent], 500).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure).toBeDefined();
    expect(failure).toMatch(/^not ready after 0\.5 s:/);
    expect(failure).not.toContain('- fine');
    expect(failure).toContain(`- stuck-after-a-line, pid ${chatty.child.pid}`);
    expect(failure).toContain('last lines:\n    loading the cluster file');
    expect(failure).toContain(`- stuck-silent, pid ${silent.child.pid}`);
    expect(failure).toMatch(/stuck-silent, pid \d+, state \S+ \(\w+\), \d+ threads: printed nothing/);
  });

  it('a server that exits first fails the wait at once with its status and output, not after the timeout', async () => {
    const exits = startScript('exits', "console.log('cannot listen'); process.exit(2)");
    const startedAt = Date.now();
    await expect(allReady([exits], 60_000)).rejects.toThrow(/exits exited \(status 2\) before it was ready:\ncannot listen/);
    expect(Date.now() - startedAt).toBeLessThan(30_000);
  });
});
