// Options of an adversary, as a scenario file gives them: declared once per adversary
// with defaults, checked when the scenario loads, so that a typo fails before any seed
// runs and the error names the field ("faulty.0.options.fromS: ...").

export type OptionSpec =
  | { readonly kind: 'number'; readonly default: number; readonly min?: number; readonly max?: number; readonly doc: string }
  | { readonly kind: 'integer'; readonly default: number; readonly min?: number; readonly max?: number; readonly doc: string }
  | { readonly kind: 'boolean'; readonly default: boolean; readonly doc: string }
  | { readonly kind: 'choice'; readonly values: readonly string[]; readonly default: string; readonly doc: string }
  /** A list of replica ids (or client ids), each a whole number. */
  | { readonly kind: 'ids'; readonly default: readonly number[]; readonly doc: string }
  /**
   * A list of at most maxLength records (objects), each giving every one of `fields`: a
   * schedule such as twin's per-view groups. A record has no defaults, so a typo or a
   * forgotten field is an error, not a silent default.
   */
  | { readonly kind: 'records'; readonly fields: RecordFields; readonly maxLength: number; readonly default: readonly []; readonly doc: string };

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The fields of a record: any kind but records, without a default. */
type FieldSpec<S = Exclude<OptionSpec, { readonly kind: 'records' }>> = S extends OptionSpec ? Omit<S, 'default'> : never;
export type RecordFields = Readonly<Record<string, FieldSpec>>;

type ValueOf<S extends FieldSpec | OptionSpec> = S extends { readonly kind: 'number' | 'integer' }
  ? number
  : S extends { readonly kind: 'boolean' }
    ? boolean
    : S extends { readonly kind: 'choice'; readonly values: readonly (infer V)[] }
      ? V
      : S extends { readonly kind: 'ids' }
        ? readonly number[]
        : S extends { readonly kind: 'records'; readonly fields: infer F extends RecordFields }
          ? readonly { readonly [K in keyof F]: ValueOf<F[K]> }[]
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

function readOne(field: string, spec: FieldSpec | OptionSpec, value: unknown): unknown {
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
    case 'records':
      if (!Array.isArray(value)) throw new OptionError(field, `must be a list of objects, got ${JSON.stringify(value)}`);
      if (value.length > spec.maxLength) throw new OptionError(field, `must have at most ${spec.maxLength} entries, got ${value.length}`);
      return value.map((record: unknown, index) => readRecord(`${field}.${index}`, spec.fields, record));
  }
}

/** One record of a records option; errors name the entry and field ("rounds.2.view"). */
function readRecord(path: string, fields: RecordFields, record: unknown): unknown {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new OptionError(path, `must be an object, got ${JSON.stringify(record)}`);
  const given = record as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(fields, key)) throw new OptionError(`${path}.${key}`, `unknown field (known: ${Object.keys(fields).join(', ')})`);
  }
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(fields)) {
    if (!Object.hasOwn(given, key)) throw new OptionError(`${path}.${key}`, 'missing');
    values[key] = readOne(`${path}.${key}`, spec, given[key]);
  }
  return values;
}
