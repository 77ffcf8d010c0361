// Entry point of a sweep worker thread. Compiled (dist/, the installed package), the
// worker is JavaScript next to this file and loads as is; the build rewrites the
// "./worker.ts" below to "./worker.js". Run from the sources (tests, bench, a checkout),
// worker threads do not inherit the tsx loader the parent registered, so register it first.
import { existsSync } from 'node:fs';

if (!existsSync(new URL('./worker.js', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./worker.ts');
