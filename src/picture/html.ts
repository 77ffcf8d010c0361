// The picture as one self-contained HTML page (placeholder until the viewer lands): the run
// record embedded as JSON, no network access needed.
import type { RunRecord } from './record.ts';

/** One offline HTML page that draws `record`. */
export function renderHtml(record: RunRecord): string {
  const json = JSON.stringify(record).replace(/</g, '\\u003c');
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(record.title)}</title></head>\n<body><script type="application/json" id="run-record">${json}</script></body></html>\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
