// The picture as one self-contained HTML page: an interactive space-time diagram of a run
// (one lane per replica and client, messages as arrows, views as bands, client operations as
// bars, the verdict and the evidence beside it). It loads nothing: the viewer's script and
// the run are both inside, the run packed into typed columns (viewer/encode.ts), gzipped
// and base64'd, which the page unpacks with the browser's own DecompressionStream.
import { gzipSync } from 'node:zlib';
import type { RunRecord } from './record.ts';
import { viewerScript } from './viewer/bundle.ts';
import { encodeRun } from './viewer/encode.ts';
import { pageHtml } from './viewer/page.ts';

/** One offline HTML page that draws `record`. The same record gives the same page, byte for byte. */
export function renderHtml(record: RunRecord): string {
  // Level 6: a full 100-second seed's payload (20 MB of columns) in a third of a second; level 9
  // takes five times as long to save 2%.
  const payload = gzipSync(encodeRun(record), { level: 6 });
  return pageHtml(record, Buffer.from(payload).toString('base64'), viewerScript());
}
