// Flag parsing for the deployment commands: node:util parseArgs, with its errors turned
// into UsageErrors (exit 2) and numbers checked here, naming the flag.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
import { UsageError } from '../cli/usage-error.ts';

/** Parsed flags: strings, and booleans for `type: 'boolean'` options (no `multiple`). */
export interface Flags<T extends ParseArgsOptionsConfig> {
  readonly values: { readonly [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string };
  readonly positionals: string[];
}

export function parseFlags<const T extends ParseArgsOptionsConfig>(args: readonly string[], options: T, allowPositionals = false): Flags<T> {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals, strict: true });
    return { values: values as Flags<T>['values'], positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function wholeFlag(flag: string, value: string | undefined, minimum: number, maximum: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < minimum || number > maximum) {
    throw new UsageError(`${flag}: must be a whole number ≥ ${minimum} and ≤ ${maximum}, got ${JSON.stringify(value)}`);
  }
  return number;
}

export function required<T>(flag: string, value: T | undefined): T {
  if (value === undefined) throw new UsageError(`${flag}: required`);
  return value;
}
