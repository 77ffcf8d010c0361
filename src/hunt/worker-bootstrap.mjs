// Entry point of a hunt worker thread, as src/cli/sweep/worker-bootstrap.mjs is for a
// sweep's: compiled, the worker is JavaScript next to this file (the build rewrites
// "./worker.ts" to "./worker.js"); run from the sources, worker threads do not inherit the
// tsx loader the parent registered, so register it first.
import { existsSync } from 'node:fs';

if (!existsSync(new URL('./worker.js', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./worker.ts');
