// `npm run amplification`: floods correct replicas with every message a Byzantine replica
// or client can send (bench/amplification-rows.ts) and prints, per (type, variant), what
// each frame cost the correct replicas: signatures, verifications, messages and bytes
// sent, beyond what they do anyway. Each row runs 1,000 frames per receiver within 1 s and
// within 10 s of simulated time, and again with 500 to check the bounds
// (bench/amplification-engine.ts). Writes the table to bench/results/amplification.md.
//
//   npm run amplification                 # 1,000 frames per receiver
//   npm run amplification -- --frames 200 # quicker
import { writeFileSync } from 'node:fs';
import { checkBounds, measure, type Measurement } from './amplification-engine.ts';
import { ROWS } from './amplification-rows.ts';

const WINDOWS_MS = [1000, 10_000];

function framesArgument(argv: readonly string[]): number {
  const index = argv.indexOf('--frames');
  if (index === -1) return 1000;
  const frames = Number(argv[index + 1]);
  if (!Number.isSafeInteger(frames) || frames < 2) throw new Error(`--frames: expected a whole number ≥ 2, got ${argv[index + 1]}`);
  return frames;
}

function perFrame(total: number, frames: number): string {
  return frames === 0 ? '-' : (total / frames).toFixed(3);
}

function tableRow(large: Measurement, failures: readonly string[]): string {
  const { excess, frames } = large;
  const to = large.receivers === 3 ? 'all' : large.receivers === 1 ? 'one' : `${large.receivers}`;
  const cells = [
    large.row.type,
    large.row.variant,
    to,
    String(large.windowMs / 1000),
    String(frames),
    perFrame(excess.signatures, frames),
    perFrame(excess.verifications, frames),
    perFrame(excess.messages, frames),
    perFrame(excess.bytes, frames),
    String(excess.collateralMessages),
    failures.length === 0 ? 'ok' : `**${failures.join('; ')}**`,
  ];
  return `| ${cells.join(' | ')} |`;
}

function main(): void {
  const frames = framesArgument(process.argv.slice(2));
  const startedMs = performance.now();
  const lines = [
    '# Amplification: what a Byzantine frame costs the correct replicas',
    '',
    `\`npm run amplification\`: n=4, the attacker is replica 1 (or a client with a valid key); ${frames} frames per`,
    'receiving correct replica, spread evenly over the window of simulated time. Figures are the correct replicas\'',
    'totals beyond the same window without the flood, divided by the frames injected. "to": the frames went to all',
    'three correct replicas, or to one (the primary of view 2, or the replica named in the variant). "collateral":',
    'messages between correct replicas caused by the flood. "bounds" (bench/amplification-engine.ts, checkBounds):',
    `compared with ${Math.floor(frames / 2)} frames in the same window, signatures and messages must not grow, an extra`,
    'duplicate costs at most one verification, signatures stay within one per receiver per resend interval, and',
    'collateral within one agreement round.',
    '',
    '| type | variant | to | window s | frames | signs/frame | verifies/frame | msgs/frame | bytes/frame | collateral msgs | bounds |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const windowMs of WINDOWS_MS) {
    for (const row of ROWS) {
      const small = measure(row, Math.floor(frames / 2), windowMs);
      const large = measure(row, frames, windowMs);
      const line = tableRow(large, checkBounds(small, large));
      lines.push(line);
      console.log(line);
    }
  }
  lines.push('', `Wall time ${((performance.now() - startedMs) / 1000).toFixed(0)} s.`, '');
  const path = new URL('./results/amplification.md', import.meta.url);
  writeFileSync(path, lines.join('\n'));
  console.log(`wrote ${path.pathname}`);
}

main();
