// The picture of one run, as files: `pancydb sim --html FILE --record FILE` and
// `pancydb demo --html FILE --svg FILE`. The run is recorded as it happens
// (src/picture/sim-recorder.ts) and becomes a self-contained HTML page (picture/html.ts),
// the run record as JSON (picture/record.ts), or a static SVG of its view change
// (picture/svg.ts). Recording does not change the run: --json prints the same with or
// without these flags.
import { writeFileSync } from 'node:fs';
import { renderHtml } from '../picture/html.ts';
import type { RunRecord } from '../picture/record.ts';
import { recordSeed } from '../picture/sim-recorder.ts';
import { viewChangeFigure } from '../picture/svg-view-change.ts';
import { viewChangeWindow } from '../picture/svg-window.ts';
import type { SeedRun } from '../sim/run.ts';
import { checkOutputFile } from './output-file.ts';
import { commandRunOptions, type LoadedSimCommand, type Output } from './sim-seed.ts';
import { UsageError } from './usage-error.ts';

/** The heading of the demo's figure (docs/figures/view-change.svg). */
export const DEMO_FIGURE_TITLE = 'PBFT view change: the silent primary r0 is replaced';

/** Where each picture goes; a file not named is not written. */
export interface PictureFiles {
  readonly html?: string | undefined;
  readonly record?: string | undefined;
  readonly svg?: string | undefined;
}

const FLAGS = { html: '--html', record: '--record', svg: '--svg' } as const satisfies Record<keyof PictureFiles, string>;

function named(files: PictureFiles): [keyof PictureFiles, string][] {
  return (Object.keys(FLAGS) as (keyof PictureFiles)[]).flatMap((key) => (files[key] === undefined ? [] : [[key, files[key]!] as [keyof PictureFiles, string]]));
}

export function wantsPicture(files: PictureFiles): boolean {
  return named(files).length > 0;
}

/**
 * Before the run: every file's directory exists and takes a file, and no two flags name one
 * file, these or `others` the command writes too (flag -> path).
 */
export function checkPictureFiles(files: PictureFiles, others: Readonly<Record<string, string | undefined>> = {}): void {
  const seen = new Map<string, string>(Object.entries(others).flatMap(([flag, path]) => (path === undefined ? [] : [[path, flag] as [string, string]])));
  for (const [key, path] of named(files)) {
    checkOutputFile(FLAGS[key], path);
    const other = seen.get(path);
    if (other !== undefined) throw new UsageError(`${FLAGS[key]} ${path}: ${other} names the same file; give each its own`);
    seen.set(path, FLAGS[key]);
  }
}

/** A picture is of one run: with several seeds, the first flag given is a usage error. */
export function checkPictureSeeds(files: PictureFiles, seeds: number): void {
  const [first] = named(files);
  if (first !== undefined && seeds !== 1) throw new UsageError(`${FLAGS[first[0]]} ${first[1]} draws one run: give one seed (-S SEED -R 1), got ${seeds}`);
}

/** One seed of `pancydb sim`, recorded: the same run (and report) as runCommandSeed's. */
export function recordCommandSeed(command: LoadedSimCommand, seed: number, replay: string, output?: Output): { run: SeedRun; record: RunRecord } {
  const scenario = command.scenarioPath === undefined ? {} : { scenario: command.scenarioPath };
  const shape = `n=${command.scenario.n}, f=${command.scenario.f}, ${command.scenario.workload.kind} with ${command.scenario.workload.clients} clients`;
  const title = command.scenarioPath === undefined ? `pancydb sim, seed ${seed}: ${shape}` : `scenario ${command.scenario.name}, seed ${seed}: ${shape}`;
  return recordSeed(commandRunOptions(command, seed, output), { replay, title, ...scenario });
}

/** Writes each picture asked for and says where it went; `svgTitle` heads the figure. */
export function writePictureFiles(record: RunRecord, files: PictureFiles, output: Output, svgTitle?: string): void {
  const contents = `${record.messages.length} messages, ${record.events.length} lane events, ${record.operations.length} client operations`;
  for (const [key, path] of named(files)) {
    if (key === 'html') {
      writeFileSync(path, renderHtml(record));
      output.out(`picture: ${contents} written to ${path}; open it in a browser`);
    } else if (key === 'record') {
      writeFileSync(path, `${JSON.stringify(record)}\n`);
      output.out(`run record: ${contents} written to ${path}`);
    } else {
      writeFileSync(path, viewChangeFigure(record, svgTitle));
      const window = viewChangeWindow(record);
      output.out(`figure: ${window === undefined ? 'the whole run (no view change in it)' : `the first view change, ${window.fromMs}-${window.toMs} ms,`} written to ${path}`);
    }
  }
}
