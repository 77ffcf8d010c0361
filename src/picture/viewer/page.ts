// The page around the viewer: a header (title, verdict, where the run came from), the
// toolbar, the plot with the whole-run overview under it, the side panel; the style sheet;
// the data element holding the payload; the script. All of it inline: the page loads nothing.
import type { RunRecord } from '../record.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function sourceLine(record: RunRecord): string {
  const source = record.source;
  if (source.kind === 'simulator') return `simulated · seed ${String(source.seed)}${source.scenario === undefined ? '' : ` · ${source.scenario}`}`;
  return `real cluster ${source.clusterId} · ${source.logs.length} log${source.logs.length === 1 ? '' : 's'}`;
}

export function pageHtml(record: RunRecord, payloadBase64: string, script: string): string {
  const ok = record.verdict.ok;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(record.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>${escapeHtml(record.title)}</h1>
  <span class="pill ${ok ? 'ok' : 'bad'}">${ok ? '✓ checkers passed' : '✗ violation'}</span>
  <span class="meta">${escapeHtml(sourceLine(record))} · n=${escapeHtml(String(record.n))}, f=${escapeHtml(String(record.f))} · ${escapeHtml(record.auth)}</span>
</header>
<div id="toolbar"></div>
<main>
  <div id="plot-wrap"><canvas id="plot" aria-label="space-time diagram"></canvas><div id="plot-rest"></div><div id="brush" hidden></div></div>
  <canvas id="overview" aria-label="the whole run"></canvas>
  <div id="status">Loading the run…</div>
</main>
<aside id="panel">
  <section><h2>Selected</h2><div id="selection"></div></section>
  <section><h2>Verdict</h2><div id="verdict"></div></section>
  <section><h2>Evidence of equivocation</h2><div id="evidence"></div></section>
  <section><h2>Run</h2><div id="run"></div></section>
  <section class="help"><h2>Reading it</h2>
    <ul>
      <li>One lane per replica and client, time to the right.</li>
      <li>Arrows are messages, coloured by type; dashed: sent by a faulty lane; <b class="red">×</b> lost; <b class="red">|</b> dropped by its receiver. Zoomed out, the commonest types show as how many each lane sent.</li>
      <li>Lane tints are views; the gold edge marks the view's primary; orange hatching a view change; grey hatching a crash (lower half: silenced or cut off by the simulator).</li>
      <li>Bars are client operations from call to return; red ones are those the checker names.</li>
      <li><b class="red">◆</b> what an adversary did; <b class="red">⚑</b> evidence of equivocation.</li>
    </ul>
  </section>
</aside>
<div id="tooltip" hidden></div>
<script type="application/octet-stream" id="run-data">${payloadBase64}</script>
<script>${script}</script>
</body>
</html>
`;
}

const STYLE = `
:root { color-scheme: light; --line: #e2e8f0; --ink: #0f172a; --muted: #64748b; }
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff;
  display: grid; grid-template-columns: minmax(0, 1fr) 340px; grid-template-rows: auto auto minmax(0, 1fr); }
header { grid-column: 1 / 3; display: flex; align-items: center; gap: 12px; padding: 8px 14px; border-bottom: 1px solid var(--line); background: #f8fafc; }
h1 { font-size: 15px; margin: 0; font-weight: 650; }
.meta { color: var(--muted); }
.pill { border-radius: 999px; padding: 2px 10px; font-weight: 600; font-size: 12px; }
.pill.ok { background: #dcfce7; color: #166534; }
.pill.bad { background: #fee2e2; color: #991b1b; }
#toolbar { grid-column: 1; padding: 6px 10px 4px; border-bottom: 1px solid var(--line); display: flex; flex-direction: column; gap: 5px; }
#toolbar .row { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; }
#toolbar .label { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .04em; min-width: 64px; }
#toolbar .spacer { flex: 1; }
#toolbar .label.gap { margin-left: 14px; min-width: 0; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; }
#toolbar .row > .chips { flex: 1 1 0; min-width: 240px; }
#toolbar .row > .chips.events { flex: 0 1 auto; min-width: 0; }
.chip { --c: #64748b; display: inline-flex; align-items: center; border: 1px solid var(--c); border-radius: 999px; padding: 1px 8px;
  background: color-mix(in srgb, var(--c) 12%, white); font: 600 11px system-ui, sans-serif; color: var(--ink); }
.chip::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: var(--c); margin-right: 5px; }
.chip.plain::before { display: none; }
.chip small { color: var(--muted); font-weight: 500; margin-left: 4px; }
button.chip { cursor: pointer; }
.chip.toggle[aria-pressed="false"] { background: #fff; opacity: .5; text-decoration: line-through; }
button, select, input { font: 12px system-ui, sans-serif; }
#toolbar button:not(.chip) { border: 1px solid #cbd5e1; background: #fff; border-radius: 6px; padding: 2px 9px; cursor: pointer; }
#toolbar select, #toolbar input { border: 1px solid #cbd5e1; border-radius: 6px; padding: 2px 4px; background: #fff; }
#toolbar input[type=number] { width: 64px; }
details.lanes { position: relative; }
details.lanes summary { cursor: pointer; border: 1px solid #cbd5e1; border-radius: 6px; padding: 2px 8px; list-style: none; }
details.lanes .menu { position: absolute; z-index: 5; background: #fff; border: 1px solid #cbd5e1; border-radius: 8px; padding: 8px; width: 340px; box-shadow: 0 8px 24px rgba(15,23,42,.15); }
.lane-grid { display: grid; grid-template-columns: repeat(5, 1fr); gap: 2px 8px; margin: 6px 0; font-family: ui-monospace, monospace; font-size: 12px; }
main { grid-column: 1; grid-row: 3; display: flex; flex-direction: column; min-height: 0; }
#plot-wrap { flex: 1 1 0; min-height: 0; overflow-y: auto; overflow-x: hidden; position: relative; }
#plot { display: block; position: sticky; top: 0; cursor: grab; touch-action: none; }
#brush { position: absolute; top: 0; bottom: 0; background: rgba(37,99,235,.12); border: 1px solid rgba(37,99,235,.5); pointer-events: none; }
#overview { flex: none; display: block; width: 100%; height: 46px; min-height: 46px; border-top: 1px solid var(--line); cursor: pointer; touch-action: none; }
#status { flex: none; font-size: 11px; color: var(--muted); padding: 2px 10px 4px; border-top: 1px solid var(--line); }
aside { grid-column: 2; grid-row: 2 / 4; border-left: 1px solid var(--line); overflow-y: auto; padding: 4px 12px 12px; background: #fcfcfd; }
aside h2 { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 12px 0 6px; }
aside h3 { font-size: 13px; margin: 0 0 6px; display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
aside section + section { border-top: 1px solid var(--line); }
pre.text { white-space: pre-wrap; word-break: break-all; background: #f1f5f9; border-radius: 6px; padding: 6px 8px; margin: 4px 0 8px; font: 12px/1.4 ui-monospace, monospace; }
pre.frame { font-size: 11px; color: #334155; }
dl.fields { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 0 0 8px; }
dl.fields dt { color: var(--muted); }
dl.fields dd { margin: 0; font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
aside button { border: 1px solid #cbd5e1; background: #fff; border-radius: 6px; padding: 3px 10px; cursor: pointer; margin: 2px 0; }
.verdict { border-radius: 8px; padding: 8px 10px; }
.verdict.ok { background: #f0fdf4; border: 1px solid #bbf7d0; }
.verdict.bad { background: #fef2f2; border: 1px solid #fecaca; }
ul.links { margin: 4px 0; padding-left: 18px; }
ul.links li { margin: 2px 0; overflow-wrap: anywhere; }
.verdict .detail { font: 11px/1.35 ui-monospace, monospace; color: #7f1d1d; margin: 2px 0 4px; }
.verdict details.detail summary { cursor: pointer; }
a { color: #1d4ed8; }
.sub { margin-top: 6px; color: var(--muted); }
.hint { color: var(--muted); margin: 4px 0; }
.bad { color: #b91c1c; }
.red { color: #dc2626; }
.help ul { color: #475569; margin: 0; padding-left: 16px; }
.help li { margin: 2px 0; }
#tooltip { position: fixed; z-index: 10; pointer-events: none; max-width: 520px; background: #0f172a; color: #f8fafc; border-radius: 6px;
  padding: 4px 8px; font: 12px/1.35 ui-monospace, monospace; white-space: pre-wrap; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
`;
