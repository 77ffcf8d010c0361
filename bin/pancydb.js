#!/usr/bin/env node
// The `pancydb` command. Installed, it runs the compiled JavaScript in dist/ (built by
// `npm run build`, which `npm install` runs through the "prepare" script). In a checkout,
// where the TypeScript sources sit next to it and tsx (a devDependency) is installed, it
// runs the sources through tsx instead, so an edit needs no rebuild to take effect.
import { existsSync } from 'node:fs';

// `pancydb sim ... | head` closes the pipe early; that ends the command, it is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const sources = new URL('../src/cli/main.ts', import.meta.url);
const tsx = existsSync(sources) ? await import('tsx/esm/api').catch(() => undefined) : undefined;
let main;
if (tsx !== undefined) {
  tsx.register();
  ({ main } = await import(sources.href));
} else {
  ({ main } = await import('../dist/src/cli/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
