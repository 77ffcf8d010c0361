// Where the hunt's time goes for one broken variant: of the schedules `pancydb hunt` draws,
// how many run a given adversary (the filter), and how many of those break the variant.
// The two rates multiply to the chance that one drawn schedule finds the variant, so a
// change to the drawer (src/hunt/draw.ts) can be judged in minutes, on the schedules it
// is aimed at, before a full `npm run bench:hunt`. Only the filtered schedules run; their
// indexes are the hunt's own, so a hit is schedule I of hunt seed S, replayable with
// `pancydb hunt --seed S` (its first I+1 schedules) or from the drawn file.
//
//   npm run bench:hunt-probe -- --flaw o-entry-slot-not-held --adversary view-change-liar
//   npm run bench:hunt-probe -- --flaw none --adversary state-liar --option lie=short-proof
//
// `--flaw none` runs the protocol as specified on the same schedules: it must find nothing.
import { execFileSync } from 'node:child_process';
import { PROTOCOL_FLAWS, type ProtocolFlaw } from '../src/core/flaws.ts';
import { parseFlags, wholeFlag } from '../src/deploy/args.ts';
import { UsageError } from '../src/cli/usage-error.ts';
import { drawSchedule, scheduleRunSeed, type ScenarioJson } from '../src/hunt/draw.ts';
import { runSchedule } from '../src/hunt/run-schedule.ts';
import { runBenchScript } from './script.ts';

const USAGE = `usage: npm run bench:hunt-probe -- --flaw FLAW|none --adversary NAME [--option KEY=VALUE]
                          [--seeds 1,2,3] [--schedules 1500]
  --flaw        the variant to run the filtered schedules with (src/core/flaws.ts), or none
  --adversary   keep the schedules where some faulty replica runs this built-in
  --option      and where its option KEY has VALUE (compared as text)
  --seeds       hunt seeds (default 1,2,3)
  --schedules   indexes 0..N-1 of each seed are drawn (default 1500)`;

interface Options {
  readonly flaw: ProtocolFlaw | undefined;
  readonly adversary: string;
  readonly option: readonly [string, string] | undefined;
  readonly seeds: readonly number[];
  readonly schedules: number;
}

function parse(args: string[]): Options {
  const { values } = parseFlags(args, { flaw: { type: 'string' }, adversary: { type: 'string' }, option: { type: 'string' }, seeds: { type: 'string' }, schedules: { type: 'string' } });
  const flaw = values.flaw;
  if (flaw === undefined) throw new UsageError('--flaw: required');
  if (flaw !== 'none' && !PROTOCOL_FLAWS.includes(flaw as ProtocolFlaw)) throw new UsageError(`--flaw: unknown flaw ${flaw} (src/core/flaws.ts lists them)`);
  if (values.adversary === undefined) throw new UsageError('--adversary: required');
  const option = values.option?.split('=');
  if (option !== undefined && (option.length !== 2 || option[0] === '')) throw new UsageError(`--option: expected KEY=VALUE, got ${values.option}`);
  const seeds = (values.seeds ?? '1,2,3').split(',').map((text) => wholeFlag('--seeds', text, 1, 1_000_000)!);
  return {
    flaw: flaw === 'none' ? undefined : (flaw as ProtocolFlaw),
    adversary: values.adversary,
    option: option === undefined ? undefined : [option[0]!, option[1]!],
    seeds,
    schedules: wholeFlag('--schedules', values.schedules, 1, 1_000_000) ?? 1500,
  };
}

function matches(scenario: ScenarioJson, options: Options): boolean {
  const faulty = Object.values((scenario['faulty'] ?? {}) as Record<string, { adversary: string; options: Record<string, unknown> }>);
  return faulty.some((entry) => entry.adversary === options.adversary && (options.option === undefined || String(entry.options[options.option[0]]) === options.option[1]));
}

async function main(options: Options): Promise<number> {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const started = performance.now();
  const drawn = options.seeds.length * options.schedules;
  let matched = 0;
  const hits: string[] = [];
  for (const seed of options.seeds) {
    for (let index = 0; index < options.schedules; index++) {
      const scenario = drawSchedule(seed, index);
      if (!matches(scenario, options)) continue;
      matched++;
      const findings = await runSchedule(scenario, scheduleRunSeed(seed, index), options.flaw === undefined ? undefined : new Set([options.flaw]));
      if (findings.length > 0) hits.push(`seed ${seed} schedule ${index}: ${findings.map((finding) => finding.property).join(', ')}`);
    }
  }
  const filter = `${options.adversary}${options.option === undefined ? '' : ` with ${options.option.join('=')}`}`;
  const perSchedule = hits.length / drawn;
  process.stdout.write(
    [
      `${options.flaw ?? 'the protocol as specified'}, at ${commit}: hunt seeds ${options.seeds.join(', ')}, indexes 0..${options.schedules - 1}`,
      `  drawn ${drawn}; running ${filter}: ${matched} (${((100 * matched) / drawn).toFixed(2)}%)`,
      `  of those, a violation in ${hits.length} (${matched === 0 ? '-' : ((100 * hits.length) / matched).toFixed(1)}%); per drawn schedule ${perSchedule.toFixed(5)}${perSchedule > 0 ? `, about one in ${Math.round(1 / perSchedule)}` : ''}`,
      ...hits.map((hit) => `  ${hit}`),
      `  ${((performance.now() - started) / 1000).toFixed(0)} s`,
      '',
    ].join('\n'),
  );
  return 0;
}

runBenchScript('bench:hunt-probe', USAGE, parse, main);
