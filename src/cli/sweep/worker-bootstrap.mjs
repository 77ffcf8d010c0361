// Entry point of a sweep worker thread. Worker threads do not inherit the tsx loader
// that bin/pancydb.js registered, so each one registers it before loading TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
