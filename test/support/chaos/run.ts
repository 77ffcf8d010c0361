// What one crash test leaves behind, ended after each test (afterEach(() => run.end())):
// its load's clients, its replica processes and proxy, every process it started, and its
// temporary directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll } from '../../deploy/processes.ts';
import type { ChaosCluster } from './cluster.ts';
import type { Load } from './load.ts';

export class ChaosRun {
  dir: string | undefined;
  cluster: ChaosCluster | undefined;
  load: Load | undefined;

  /** A fresh temporary directory for this test, removed by end(). */
  makeDir(prefix: string): string {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    return this.dir;
  }

  async end(): Promise<void> {
    await this.load?.stop(0);
    await this.cluster?.stop();
    killAll();
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = this.cluster = this.load = undefined;
  }
}
