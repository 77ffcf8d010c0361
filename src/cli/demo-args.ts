// `pancydb demo` flags (demo.ts): the seed, and where to write the run's picture.
import { checkPictureFiles } from './picture-output.ts';
import { UsageError } from './usage-error.ts';

export type DemoArgs =
  | { readonly seed: number; readonly help: boolean; readonly html: string | undefined; readonly svg: string | undefined }
  | { readonly error: string };

const OPTIONS = new Set(['-S', '--html', '--svg', '-h', '--help']);

/** Errors are returned, not thrown: the demo prints them its own way (exit 2). */
export function parseDemoArgs(args: readonly string[]): DemoArgs {
  let seed = 1;
  let help = false;
  const files = new Map<string, string>();
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!OPTIONS.has(arg)) return { error: `unknown option ${arg}` };
    const value = args[++index];
    if (value === undefined) return { error: `${arg} needs a value` };
    if (OPTIONS.has(value)) return { error: `${arg} needs a value, got the option ${value}` };
    if (arg === '-S') {
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) return { error: `-S needs a whole number, got ${value}` };
      seed = Number(value);
    } else if (files.has(arg)) {
      return { error: `${arg} is given twice (${files.get(arg)} and ${value}); give it once` };
    } else {
      files.set(arg, value);
    }
  }
  const html = files.get('--html');
  const svg = files.get('--svg');
  if (!help) {
    try {
      checkPictureFiles({ html, svg });
    } catch (error) {
      if (error instanceof UsageError) return { error: error.message };
      throw error;
    }
  }
  return { seed, help, html, svg };
}
