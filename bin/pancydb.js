#!/usr/bin/env node
// The `pancydb` command. The sources are TypeScript; tsx compiles them on load,
// so `npx pancydb` works straight after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
// `pancydb sim ... | head` closes the pipe early; that ends the command, it is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
