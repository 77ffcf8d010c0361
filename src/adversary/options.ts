// Options of an adversary, as a scenario file gives them: declared once per adversary
// with defaults, checked when the scenario loads, so that a typo fails before any seed
// runs and the error names the field ("faulty.0.options.fromS: ...").

export type OptionSpec =
  | { readonly kind: 'number'; readonly default: number; readonly min?: number; readonly max?: number; readonly doc: string }
  | { readonly kind: 'integer'; readonly default: number; readonly min?: number; readonly max?: number; readonly doc: string }
  | { readonly kind: 'boolean'; readonly default: boolean; readonly doc: string }
  | { readonly kind: 'choice'; readonly values: readonly string[]; readonly default: string; readonly doc: string }
  /** A list of replica ids (or client ids), each a whole number. */
  | { readonly kind: 'ids'; readonly default: readonly number[]; readonly doc: string };

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S extends { readonly kind: 'number' | 'integer' }
  ? number
  : S extends { readonly kind: 'boolean' }
    ? boolean
    : S extends { readonly kind: 'choice'; readonly values: readonly (infer V)[] }
      ? V
      : S extends { readonly kind: 'ids' }
        ? readonly number[]
        : never;

/** The checked options an adversary receives: every declared key, defaults filled in. */
export type OptionValues<Specs extends OptionSpecs> = { readonly [K in keyof Specs]: ValueOf<Specs[K]> };

/** Thrown for a bad option; `field` is the option's name. */
export class OptionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export function readOptions<Specs extends OptionSpecs>(specs: Specs, given: unknown): OptionValues<Specs> {
  if (given === undefined) given = {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new OptionError('options', 'must be an object');
  const record = given as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(specs, key)) {
      const known = Object.keys(specs);
      throw new OptionError(key, `unknown option (known: ${known.length === 0 ? 'none' : known.join(', ')})`);
    }
  }
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    values[key] = Object.hasOwn(record, key) ? readOne(key, spec, record[key]) : spec.default;
  }
  return values as OptionValues<Specs>;
}

function readOne(field: string, spec: OptionSpec, value: unknown): unknown {
  switch (spec.kind) {
    case 'number':
    case 'integer': {
      const whole = spec.kind === 'integer';
      if (typeof value !== 'number' || !Number.isFinite(value) || (whole && !Number.isSafeInteger(value))) {
        throw new OptionError(field, `must be ${whole ? 'a whole number' : 'a number'}, got ${JSON.stringify(value)}`);
      }
      if (spec.min !== undefined && value < spec.min) throw new OptionError(field, `must be at least ${spec.min}, got ${value}`);
      if (spec.max !== undefined && value > spec.max) throw new OptionError(field, `must be at most ${spec.max}, got ${value}`);
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw new OptionError(field, `must be true or false, got ${JSON.stringify(value)}`);
      return value;
    case 'choice':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        throw new OptionError(field, `must be one of ${spec.values.join(', ')}, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'ids':
      if (!Array.isArray(value) || value.some((id) => typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0)) {
        throw new OptionError(field, `must be a list of whole numbers, got ${JSON.stringify(value)}`);
      }
      return [...(value as number[])];
  }
}
