// The benchmark's table and ratios, as Markdown (printed and written to
// bench/results/tcp-bench.md). The auth mode (signed, mac), the durability and the
// optimizations of OSDI'99 §5.1 are columns: each PBFT row is compared with the
// unreplicated server of its own auth mode, each mac row with the signed row of the same
// shape, and each row with optimizations with the row of the same shape without any.
import type { LoopResult } from './closed-loop.ts';

export interface BenchRow extends LoopResult {
  readonly system: string;
  /** How messages were authenticated: signed or mac (src/core/auth.ts), as the server's ready line said. */
  readonly auth: string;
  readonly durability: string;
  /** OSDI'99 §5.1's optimizations on, as a replica's ready line said ('none', 'read-only,tentative'); '—' for the baseline. */
  readonly optimizations: string;
  readonly mix: string;
  /** CPU of the system's server processes over the window, in % of one core (all summed). */
  readonly serverCpuPercent: number | undefined;
  /** CPU of the benchmark process (all clients) over the window, in % of one core. */
  readonly benchCpuPercent: number;
  /** REQUEST frames sent per operation completed in the window: above 1, retransmissions. */
  readonly requestFramesPerOp: number | undefined;
  /** Operations per PBFT batch over the window (replica 0's executed sequence numbers); none for the baseline. */
  readonly opsPerBatch?: number | undefined;
}

export interface Machine {
  readonly cores: number;
  readonly cpuModel: string;
  readonly loadAverage: readonly number[];
  readonly node: string;
  readonly date: string;
}

export interface ReportSettings {
  readonly n: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly valueBytes: number;
}

export const BASELINE = 'unreplicated';
/** What the optimizations column says when none is on (a replica's ready line: "optimizations none"). */
export const NO_OPTIMIZATIONS = 'none';

const fixed = (value: number | undefined, digits: number) => (value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits));
const thousands = (value: number) => Math.round(value).toLocaleString('en-US');
const met = (ok: boolean) => (ok ? 'met' : 'not met');
const unique = (values: readonly string[]) => [...new Set(values)];
const PUT_MIX = '100% put';

/**
 * CPU of servers and clients together per completed operation, in ms: what an operation
 * costs the machine. Less sensitive than ops/s to what else runs on a shared machine.
 */
export function cpuMsPerOp(row: BenchRow): number | undefined {
  if (row.serverCpuPercent === undefined || !(row.opsPerS > 0)) return undefined;
  return (10 * (row.serverCpuPercent + row.benchCpuPercent)) / row.opsPerS;
}

/** The unreplicated row of the same auth mode, client count and mix. */
function baselineOf(rows: readonly BenchRow[], row: BenchRow): BenchRow | undefined {
  return rows.find((other) => other.system === BASELINE && other.auth === row.auth && other.clients === row.clients && other.mix === row.mix);
}

/** The 'signed' row of the same system, durability, optimizations, client count and mix as a 'mac' row. */
function signedTwinOf(rows: readonly BenchRow[], row: BenchRow): BenchRow | undefined {
  if (row.auth !== 'mac') return undefined;
  return rows.find((other) => other.auth === 'signed' && other.system === row.system && other.durability === row.durability && other.optimizations === row.optimizations && other.clients === row.clients && other.mix === row.mix);
}

/** The row without optimizations of the same system, auth, durability, client count and mix as a row with some. */
function unoptimizedTwinOf(rows: readonly BenchRow[], row: BenchRow): BenchRow | undefined {
  if (row.system === BASELINE || row.optimizations === NO_OPTIMIZATIONS) return undefined;
  return rows.find((other) => other.optimizations === NO_OPTIMIZATIONS && other.system === row.system && other.auth === row.auth && other.durability === row.durability && other.clients === row.clients && other.mix === row.mix);
}

const clientsPhrase = (row: BenchRow) => `${row.clients} client${row.clients === 1 ? '' : 's'} (${row.mix})`;
/** ", optimizations read-only,…" for a row with some on; nothing otherwise, so a run without them reads as before. */
const optimizationsPhrase = (optimizations: string) => (optimizations === NO_OPTIMIZATIONS || optimizations === '—' ? '' : `, optimizations ${optimizations}`);

export function tableLines(rows: readonly BenchRow[]): string[] {
  const lines = [
    '| system | auth | durability | optimizations | clients | mix | ops/s | p50 ms | p90 ms | p99 ms | ops/s × unreplicated | p50 × unreplicated | servers CPU % | bench CPU % | CPU ms/op | request frames/op | ops/batch | errors |',
    '|---|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) lines.push(tableRow(rows, row));
  return lines;
}

export function tableRow(rows: readonly BenchRow[], row: BenchRow): string {
  const base = row.system === BASELINE ? undefined : baselineOf(rows, row);
  const ratio = (value: number, baseValue: number | undefined) => (base === undefined || baseValue === undefined || baseValue === 0 ? '—' : `${(value / baseValue).toFixed(2)}×`);
  return `| ${row.system} | ${row.auth} | ${row.durability} | ${row.optimizations} | ${row.clients} | ${row.mix} | ${thousands(row.opsPerS)} | ${fixed(row.p50Ms, 2)} | ${fixed(row.p90Ms, 2)} | ${fixed(row.p99Ms, 2)} | ${ratio(row.opsPerS, base?.opsPerS)} | ${ratio(row.p50Ms, base?.p50Ms)} | ${fixed(row.serverCpuPercent, 0)} | ${fixed(row.benchCpuPercent, 0)} | ${fixed(cpuMsPerOp(row), 2)} | ${fixed(row.requestFramesPerOp, 2)} | ${fixed(row.opsPerBatch, 1)} | ${row.errors} |`;
}

/** One sentence per PBFT row: its ratio to the unreplicated server of its auth mode, measured in the same run. */
export function ratioLines(rows: readonly BenchRow[]): string[] {
  const lines: string[] = [];
  for (const row of rows) {
    const base = row.system === BASELINE ? undefined : baselineOf(rows, row);
    if (base === undefined) continue;
    lines.push(`- ${row.system}, auth ${row.auth}, durability ${row.durability}${optimizationsPhrase(row.optimizations)}, at ${clientsPhrase(row)} = ${(row.opsPerS / base.opsPerS).toFixed(2)}× unreplicated (auth ${base.auth}) throughput (${thousands(row.opsPerS)} against ${thousands(base.opsPerS)} ops/s); p50 ${fixed(row.p50Ms, 2)} ms = ${(row.p50Ms / base.p50Ms).toFixed(2)}× unreplicated (${fixed(base.p50Ms, 2)} ms)`);
  }
  return lines;
}

/** One sentence per 'mac' row that has a 'signed' twin: what the MAC authenticators bought. */
export function authRatioLines(rows: readonly BenchRow[]): string[] {
  const lines: string[] = [];
  for (const row of rows) {
    const signed = signedTwinOf(rows, row);
    if (signed === undefined || !(signed.opsPerS > 0)) continue;
    const system = row.system === BASELINE ? row.system : `${row.system}, durability ${row.durability}${optimizationsPhrase(row.optimizations)}`;
    lines.push(`- ${system}, at ${clientsPhrase(row)}: auth mac = ${(row.opsPerS / signed.opsPerS).toFixed(2)}× auth signed throughput (${thousands(row.opsPerS)} against ${thousands(signed.opsPerS)} ops/s); p50 ${fixed(row.p50Ms, 2)} ms = ${(row.p50Ms / signed.p50Ms).toFixed(2)}× (${fixed(signed.p50Ms, 2)} ms); CPU ms/op ${fixed(cpuMsPerOp(row), 2)} against ${fixed(cpuMsPerOp(signed), 2)}`);
  }
  return lines;
}

/**
 * One sentence per row with optimizations that has a twin without: what OSDI'99 §5.1
 * bought at that load. Gets gain only where the mix has gets (read-only path).
 */
export function optimizationRatioLines(rows: readonly BenchRow[]): string[] {
  const lines: string[] = [];
  for (const row of rows) {
    const plain = unoptimizedTwinOf(rows, row);
    if (plain === undefined || !(plain.opsPerS > 0)) continue;
    lines.push(`- ${row.system}, auth ${row.auth}, durability ${row.durability}, at ${clientsPhrase(row)}: optimizations ${row.optimizations} = ${(row.opsPerS / plain.opsPerS).toFixed(2)}× none throughput (${thousands(row.opsPerS)} against ${thousands(plain.opsPerS)} ops/s); p50 ${fixed(row.p50Ms, 2)} ms = ${(row.p50Ms / plain.p50Ms).toFixed(2)}× (${fixed(plain.p50Ms, 2)} ms); p99 ${fixed(row.p99Ms, 2)} ms = ${(row.p99Ms / plain.p99Ms).toFixed(2)}× (${fixed(plain.p99Ms, 2)} ms); CPU ms/op ${fixed(cpuMsPerOp(row), 2)} against ${fixed(cpuMsPerOp(plain), 2)}`);
  }
  return lines;
}

/** The deployment issue's targets, per auth mode, durability and optimizations. */
export function targetLines(rows: readonly BenchRow[]): string[] {
  const pbftRows = rows.filter((row) => row.system !== BASELINE);
  const pbft = (auth: string, clients: number, durability: string, optimizations: string, mix = PUT_MIX) =>
    pbftRows.find((row) => row.auth === auth && row.clients === clients && row.durability === durability && row.optimizations === optimizations && row.mix === mix);
  const targets: string[] = [];
  for (const auth of unique(pbftRows.map((row) => row.auth))) {
    for (const durability of unique(pbftRows.map((row) => row.durability))) {
      for (const optimizations of unique(pbftRows.map((row) => row.optimizations))) {
        const setting = `auth ${auth}, durability ${durability}${optimizationsPhrase(optimizations)}`;
        const at50 = pbft(auth, 50, durability, optimizations);
        if (at50 !== undefined) targets.push(`- 50 clients, ${setting}: ${thousands(at50.opsPerS)} ops/s against the target of at least 1,417 (${met(at50.opsPerS >= 1417)})`);
        const at1 = pbft(auth, 1, durability, optimizations);
        const base1 = at1 === undefined ? undefined : baselineOf(rows, at1);
        if (at1 !== undefined && base1 !== undefined) targets.push(`- 1 client p50, ${setting}: ${fixed(at1.p50Ms, 2)} ms = ${(at1.p50Ms / base1.p50Ms).toFixed(2)}× unreplicated (auth ${auth}), against the target of at most 3× (${met(at1.p50Ms <= 3 * base1.p50Ms)})`);
      }
    }
  }
  for (const durable of pbftRows.filter((row) => row.durability === 'fsync')) {
    const memory = pbft(durable.auth, durable.clients, 'none', durable.optimizations, durable.mix);
    if (memory === undefined || !(memory.opsPerS > 0)) continue;
    const share = durable.opsPerS / memory.opsPerS;
    targets.push(`- durable against in-memory, auth ${durable.auth}${optimizationsPhrase(durable.optimizations)}, at ${clientsPhrase(durable)}: ${(100 * share).toFixed(0)}% (${thousands(durable.opsPerS)} against ${thousands(memory.opsPerS)} ops/s), against the target of at least 70% (${met(share >= 0.7)})`);
  }
  return targets;
}


export function renderReport(rows: readonly BenchRow[], machine: Machine, settings: ReportSettings): string {
  const pbftRows = rows.filter((row) => row.system !== BASELINE);
  const modes = unique(pbftRows.map((row) => row.durability));
  const auths = unique(rows.map((row) => row.auth));
  const authLines = authRatioLines(rows);
  const optimizationLines = optimizationRatioLines(rows);
  const optimized = pbftRows.some((row) => row.optimizations !== NO_OPTIMIZATIONS);
  return [
    `# TCP benchmark: PBFT (n=${settings.n}) on real processes against an unreplicated server`,
    '',
    `Measured by \`pancydb bench\` (\`npm run bench:tcp\`) on ${machine.date}: ${machine.cores} cores (${machine.cpuModel}), load average ${machine.loadAverage.map((load) => load.toFixed(2)).join(' ')} at the start, Node ${machine.node}.`,
    'The machine is shared: compare rows of one run (the ratios), not absolute figures across runs.',
    '',
    `All processes on this machine, over loopback TCP: per auth mode (${auths.join(', ')}), ${settings.n} \`pancydb replica\` processes of a fresh testnet per durability mode (${modes.join(', ')}) and one unreplicated server process (a system not being measured idles); and one benchmark process holding every client.`,
    `Each client keeps one request outstanding (a closed loop); values are ${settings.valueBytes} bytes; ${settings.warmupMs / 1000} s of warm-up are discarded, then ${settings.durationMs / 1000} s are measured.`,
    'Workload: 1,000 keys; a "100% put" row issues puts only, a "50% get / 50% put" row alternates a get and a put per client.',
    `At each client count, rows alternate, per auth mode, its unreplicated server and its PBFT clusters (each durability mode${optimized ? ' and optimization setting' : ''}). The auth mode is cluster.json's \`parameters.auth\` (src/core/auth.ts):`,
    '- signed: every request is signed by its client (Ed25519); every reply is signed, by each replica or by the unreplicated server, and checked by the client (PBFT: f+1 matching replies); PBFT replicas sign every protocol message.',
    '- mac: every request carries its client\'s signature and one MAC per replica (HMAC-SHA256 under pairwise keys, 16 bytes); the primary and the unreplicated server check the signature, a backup its own MAC; every reply carries one MAC, for its client, instead of a signature. PRE-PREPARE, PREPARE, COMMIT, CHECKPOINT and the view change stay signed.',
    ...(optimized
      ? [
          'The optimizations column is cluster.json\'s `parameters.optimizations` (OSDI\'99 §5.1), as each cluster\'s replica 0 reported it: read-only (a get goes to all n replicas and runs at once, unordered; the client needs 2f+1 matching replies, and so does every ordered request), digest-replies (one designated replica sends the result, the others its SHA-256), tentative (replicas reply once a batch prepared; the client needs 2f+1 matching replies). Only gets can take the read-only path, so only the mixed rows show it; there a get counts n request frames, and "ops/batch" counts gets that no batch carried.',
        ]
      : []),
    'The unreplicated server checks each request\'s signature, keeps the client table and executes on one `createPancydb()`: the same transport and authentication as a primary, without ordering.',
    '"servers CPU %" sums the servers\' processes over the window, "bench CPU %" is the client process, both in % of one core; "CPU ms/op" is the two together per operation. "request frames/op" counts the REQUEST frames clients sent per operation: above 1 means retransmissions (a PBFT client resends to all n replicas after 500 ms). "ops/batch" is operations per PBFT sequence number executed in the window (maxBatch and maxInflightBatches from cluster.json: the testnet defaults, which also retransmit after 200 ms and send STATUS at most every 100 ms).',
    '',
    ...tableLines(rows),
    '',
    'Ratios, PBFT against the unreplicated server of the same auth mode and run:',
    '',
    ...ratioLines(rows),
    '',
    ...(authLines.length === 0 ? [] : ['MAC authenticators against signatures, same system, durability and run:', '', ...authLines, '']),
    ...(optimizationLines.length === 0 ? [] : ['Optimizations (OSDI\'99 §5.1) against none, same system, auth mode, durability and run:', '', ...optimizationLines, '']),
    'Targets of the deployment issue:',
    '',
    ...targetLines(rows),
    '',
    'Anchor, BFT-SMaRt measured on this machine earlier by someone else: 1,417 ops/s at 50 clients with every client request signed; without client signatures 5,057 ops/s at 50 clients and 5,427 at 100; 1 client p50 2.28 ms.',
    '',
  ].join('\n');
}
