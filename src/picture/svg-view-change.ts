// The figure of a run's first view change (`pancydb demo --svg`, `npm run figure`): the
// window around it (svg-window.ts), the replicas' lanes only, STATUS counted rather than
// drawn, and a caption that tells what happened in the paper's words (OSDI'99 §4.4).
import { px } from './svg-marks.ts';
import type { RunRecord } from './record.ts';
import { renderSvg } from './svg.ts';
import { viewChangeWindow } from './svg-window.ts';

/** The record's first view change, replicas only, with clients' and STATUS traffic counted rather than drawn. */
export function viewChangeFigure(record: RunRecord, title?: string): string {
  const window = viewChangeWindow(record) ?? { fromMs: 0, toMs: record.endMs };
  const lanes = record.lanes.filter((lane) => lane.kind === 'replica').map((lane) => lane.id);
  const caption = viewChangeStory(record);
  return renderSvg(record, { ...window, lanes, hiddenTypes: ['status'], ...(title === undefined ? {} : { title }), ...(caption === undefined ? {} : { caption }) });
}

/** "At 4750 ms the view-change timers of r1, r2, r3 expire…": the first view change in one or two sentences. */
export function viewChangeStory(record: RunRecord): string | undefined {
  const started = record.events.filter((event) => event.kind === 'start-view-change');
  const view = started[0]?.view;
  if (view === undefined) return undefined;
  const timedOut = started.filter((event) => event.view === view && / \(timeout\)/.test(event.text));
  const firstMs = started[0]!.atMs;
  const openers = timedOut.filter((event) => event.atMs === firstMs).map((event) => event.lane);
  const primary = record.views.find((band) => band.view === view)?.primary;
  const entered = record.events.filter((event) => event.kind === 'enter-view' && event.view === view);
  const byPrimary = entered.find((event) => event.lane === `r${primary}`);
  const opening = openers.length > 0 ? `At ${px(firstMs)} ms the view-change timer${openers.length === 1 ? '' : 's'} of ${openers.join(', ')} expire${openers.length === 1 ? 's' : ''}: they send VIEW-CHANGE for view ${view}.` : `At ${px(firstMs)} ms ${started[0]!.lane} sends VIEW-CHANGE for view ${view}.`;
  if (byPrimary === undefined) return `${opening} No replica entered view ${view} in this run.`;
  const everyone = new Set(entered.map((event) => event.lane)).size === record.n;
  const last = entered.at(-1)!.atMs;
  return `${opening} With 2f+1 = ${2 * record.f + 1} of them, r${primary}, the primary of view ${view}, sends NEW-VIEW at ${px(byPrimary.atMs)} ms; by ${px(last)} ms ${everyone ? 'every replica has' : `${new Set(entered.map((event) => event.lane)).size} replicas have`} entered view ${view}.`;
}
