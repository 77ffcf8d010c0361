// What a durable replica pays per sync on this machine: fsync latency of DiskStorage for one
// record of 100 B, 4 KiB and 64 KiB, and records/s when one sync covers 1, 10 or 100 records
// (group commit). Writes the table to bench/results/fsync.md.
//   npx tsx bench/fsync.ts [--dir DIR]   (DIR: a directory on the disk to measure; default tmpdir)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskStorage } from '../src/storage/disk-storage.ts';

const RECORD_SIZES_BYTES = [100, 4096, 65536];
const GROUP_SIZES_RECORDS = [1, 10, 100];
const LATENCY_SYNCS = 300;
const WARMUP_SYNCS = 20;
// A throughput cell stops at whichever comes first, so 64 KiB x 100 does not write gigabytes.
const THROUGHPUT_SYNCS_MAX = 300;
const THROUGHPUT_BYTES_MAX = 128 * 1024 * 1024;
const THROUGHPUT_DURATION_MS_MAX = 3000;

const FILESYSTEM_MAGIC: Record<number, string> = { 0xef53: 'ext4', 0x58465342: 'xfs', 0x9123683e: 'btrfs', 0x01021994: 'tmpfs', 0x794c7630: 'overlayfs' };

function parseDirectoryArgument(argv: readonly string[]): string {
  const index = argv.indexOf('--dir');
  if (index === -1) return os.tmpdir();
  const directory = argv[index + 1];
  if (directory === undefined) throw new Error('--dir: needs a directory');
  return directory;
}

function withStorage<T>(parent: string, durability: 'fsync' | 'none', body: (storage: DiskStorage) => T): T {
  const directory = fs.mkdtempSync(path.join(parent, 'pancydb-fsync-bench-'));
  const storage = new DiskStorage(directory, { durability });
  try {
    storage.recover();
    return body(storage);
  } finally {
    storage.close();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

function percentile(sortedMs: readonly number[], fraction: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor(fraction * sortedMs.length))]!;
}

interface LatencyRow {
  readonly recordBytes: number;
  readonly syncLatencyMsP50: number;
  readonly syncLatencyMsP90: number;
  readonly syncLatencyMsP99: number;
  readonly syncLatencyMsMax: number;
}

function measureLatency(parent: string, recordBytes: number): LatencyRow {
  const record = new Uint8Array(recordBytes).fill(7);
  const latenciesMs = withStorage(parent, 'fsync', (storage) => {
    const samplesMs: number[] = [];
    for (let i = 0; i < WARMUP_SYNCS + LATENCY_SYNCS; i++) {
      storage.append(record);
      const startNs = process.hrtime.bigint();
      storage.sync();
      const elapsedMs = Number(process.hrtime.bigint() - startNs) / 1e6;
      if (i >= WARMUP_SYNCS) samplesMs.push(elapsedMs);
    }
    return samplesMs.sort((a, b) => a - b);
  });
  return {
    recordBytes,
    syncLatencyMsP50: percentile(latenciesMs, 0.5),
    syncLatencyMsP90: percentile(latenciesMs, 0.9),
    syncLatencyMsP99: percentile(latenciesMs, 0.99),
    syncLatencyMsMax: latenciesMs[latenciesMs.length - 1]!,
  };
}

function measureRecordsPerSecond(parent: string, durability: 'fsync' | 'none', recordBytes: number, groupRecords: number): number {
  const record = new Uint8Array(recordBytes).fill(7);
  return withStorage(parent, durability, (storage) => {
    const startNs = process.hrtime.bigint();
    let records = 0;
    for (let syncs = 0; syncs < THROUGHPUT_SYNCS_MAX; syncs++) {
      for (let i = 0; i < groupRecords; i++) storage.append(record);
      storage.sync();
      records += groupRecords;
      const elapsedMs = Number(process.hrtime.bigint() - startNs) / 1e6;
      if (records * recordBytes >= THROUGHPUT_BYTES_MAX || elapsedMs >= THROUGHPUT_DURATION_MS_MAX) break;
    }
    return records / (Number(process.hrtime.bigint() - startNs) / 1e9);
  });
}

const formatBytes = (bytes: number): string => (bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`);
const formatMs = (ms: number): string => ms.toFixed(3);
const formatRate = (perSecond: number): string => Math.round(perSecond).toLocaleString('en-US');

function main(): void {
  const parent = parseDirectoryArgument(process.argv.slice(2));
  const filesystem = FILESYSTEM_MAGIC[fs.statfsSync(parent).type] ?? `type 0x${fs.statfsSync(parent).type.toString(16)}`;
  const header = [
    `# fsync cost of DiskStorage`,
    ``,
    `${new Date().toISOString()}; ${os.availableParallelism()} cores (shared with other work), ` +
      `load average ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}; node ${process.version}; ` +
      `directory ${parent} on ${filesystem}. Reproduce: \`npx tsx bench/fsync.ts\`.`,
    ``,
  ];
  console.log(header.join('\n'));

  const latencyLines = [
    `## Sync latency, one record per sync (${LATENCY_SYNCS} syncs after ${WARMUP_SYNCS} warm-up; write + fsync)`,
    ``,
    `| record | p50 ms | p90 ms | p99 ms | max ms |`,
    `|---|---|---|---|---|`,
  ];
  for (const recordBytes of RECORD_SIZES_BYTES) {
    const row = measureLatency(parent, recordBytes);
    latencyLines.push(
      `| ${formatBytes(recordBytes)} | ${formatMs(row.syncLatencyMsP50)} | ${formatMs(row.syncLatencyMsP90)} | ` +
        `${formatMs(row.syncLatencyMsP99)} | ${formatMs(row.syncLatencyMsMax)} |`,
    );
    console.log(latencyLines[latencyLines.length - 1]);
  }

  const throughputLines = [
    ``,
    `## Records/s with group commit (records per sync; a cell stops at ${THROUGHPUT_SYNCS_MAX} syncs, ` +
      `${THROUGHPUT_BYTES_MAX / 1024 / 1024} MiB or ${THROUGHPUT_DURATION_MS_MAX / 1000} s)`,
    ``,
    `| record | ${GROUP_SIZES_RECORDS.map((group) => `${group}/sync`).join(' | ')} | 1/sync, durability 'none' |`,
    `|---|${GROUP_SIZES_RECORDS.map(() => '---|').join('')}---|`,
  ];
  for (const recordBytes of RECORD_SIZES_BYTES) {
    const rates = GROUP_SIZES_RECORDS.map((group) => measureRecordsPerSecond(parent, 'fsync', recordBytes, group));
    const withoutFsync = measureRecordsPerSecond(parent, 'none', recordBytes, 1);
    throughputLines.push(`| ${formatBytes(recordBytes)} | ${rates.map(formatRate).join(' | ')} | ${formatRate(withoutFsync)} |`);
    console.log(throughputLines[throughputLines.length - 1]);
  }

  const resultPath = path.join(import.meta.dirname, 'results', 'fsync.md');
  fs.writeFileSync(resultPath, [...header, ...latencyLines, ...throughputLines, ''].join('\n'));
  console.log(`\nwritten to ${path.relative(process.cwd(), resultPath)}`);
}

main();
