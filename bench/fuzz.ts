// The frame fuzzer at scale (test/support/fuzz.ts):
//   npm run fuzz                                   # a million frames, seed "fuzz"
//   npm run fuzz -- --frames 20000 --seed 7 --per-world 5000 --out /tmp/fuzz.md
// Prints frames per second, frames per mutation kind, drops by reason and every finding
// with the command that replays it, and writes a summary to bench/results/fuzz.md.
// Exit status 1 if anything was found.

import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fuzz, MUTATION_KINDS, replayCommand, type FuzzReport } from '../test/support/fuzz.ts';

function parseArguments(argv: readonly string[]): { frames: number; seed: string; perWorld: number; out: string } {
  const options = { frames: 1_000_000, seed: 'fuzz', perWorld: 20_000, out: 'bench/results/fuzz.md' };
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index], argv[index + 1]];
    if (value === undefined) throw new Error(`${flag}: missing value`);
    if (flag === '--frames' || flag === '--per-world') {
      const number = Number(value.replaceAll('_', ''));
      if (!Number.isSafeInteger(number) || number < 1) throw new Error(`${flag}: expected a positive integer, got ${value}`);
      if (flag === '--frames') options.frames = number;
      else options.perWorld = number;
    } else if (flag === '--seed') options.seed = value;
    else if (flag === '--out') options.out = value;
    else throw new Error(`unknown flag ${flag} (--frames N, --seed S, --per-world N, --out FILE)`);
  }
  return options;
}

function summary(report: FuzzReport, perWorld: number): string {
  const seconds = report.elapsedMs / 1000;
  const lines = [
    `# Fuzz run`,
    '',
    `Command: \`npm run fuzz -- --frames ${report.frames} --seed ${report.seed} --per-world ${perWorld}\``,
    `Machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, one thread.`,
    '',
    `- frames: ${report.frames.toLocaleString('en-US')} over ${report.worlds} worlds (normal, mid-view-change, after state transfer, in turn)`,
    `- wall time: ${seconds.toFixed(1)} s, ${Math.round(report.frames / seconds).toLocaleString('en-US')} frames/s`,
    `- still validly signed by the claimed signer after mutation: ${report.validlySigned.toLocaleString('en-US')}`,
    `- findings (throws, state changes by invalid frames, growth): ${report.findings.length}`,
    `- largest log: ${report.maxLogSize} entries; most buffered at one replica: ${report.maxBuffered}; largest memo: ${report.maxMemoSize} entries`,
    '',
    '| mutation | frames |',
    '|---|---:|',
    ...MUTATION_KINDS.map((kind) => `| ${kind} | ${report.byMutation[kind].toLocaleString('en-US')} |`),
    '',
    '| drop reason | drops |',
    '|---|---:|',
    ...[...report.dropsByReason].sort((a, b) => b[1] - a[1]).map(([reason, count]) => `| ${reason} | ${count.toLocaleString('en-US')} |`),
  ];
  if (report.findings.length > 0) {
    lines.push('', '## Findings', '');
    for (const finding of report.findings) {
      lines.push(`- frame ${finding.frameIndex} (${finding.mutation}, ${finding.world}, ${finding.target}): ${finding.kind}: ${finding.detail}; replay: \`${replayCommand(report.seed, finding.frameIndex + 1)}\``);
    }
  }
  return `${lines.join('\n')}\n`;
}

const options = parseArguments(process.argv.slice(2));
console.log(`fuzzing ${options.frames.toLocaleString('en-US')} frames, seed ${options.seed}, ${os.availableParallelism()} cores`);
const report = fuzz({
  seed: options.seed,
  frames: options.frames,
  framesPerWorld: options.perWorld,
  maxFindings: 50,
  onProgress: (progress) => {
    if (progress.frames > 0) console.log(`  ${progress.frames.toLocaleString('en-US')} frames, ${progress.findings.length} findings`);
  },
});
const text = summary(report, options.perWorld);
console.log(text);
writeFileSync(options.out, text);
console.log(`wrote ${options.out}`);
process.exitCode = report.findings.length > 0 ? 1 : 0;
