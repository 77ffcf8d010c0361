// Reading untrusted JSON field by field: every error is a UsageError that names the
// file and the field's path (`workload.clients`, `network.partitions.0.groups`), says
// what was expected and shows what was found.
import { UsageError } from '../cli/usage-error.ts';

/** What a field must be: a phrase for messages and the test itself. */
export interface Expected<T> {
  /** Completes "must be …", e.g. "a whole number ≥ 1". */
  readonly phrase: string;
  readonly accepts: (value: unknown) => value is T;
}

export type JsonObject = Readonly<Record<string, unknown>>;

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export const wholeAtLeast = (minimum: number): Expected<number> => ({
  phrase: `a whole number ≥ ${minimum}`,
  accepts: (value): value is number => isNumber(value) && Number.isSafeInteger(value) && value >= minimum,
});

/** A whole number in [minimum, maximum]: the phrase keeps "a whole number ≥ minimum" first, as other messages read. */
export const wholeBetween = (minimum: number, maximum: number): Expected<number> => ({
  phrase: `a whole number ≥ ${minimum} and ≤ ${maximum}`,
  accepts: (value): value is number => isNumber(value) && Number.isSafeInteger(value) && value >= minimum && value <= maximum,
});

export const numberBetween = (minimum: number, maximum: number): Expected<number> => ({
  phrase: `a number ≥ ${minimum} and ≤ ${maximum}`,
  accepts: (value): value is number => isNumber(value) && value >= minimum && value <= maximum,
});

export const numberAboveAtMost = (bound: number, maximum: number): Expected<number> => ({
  phrase: `a number > ${bound} and ≤ ${maximum}`,
  accepts: (value): value is number => isNumber(value) && value > bound && value <= maximum,
});

/** Message loss: 1 would deliver nothing, and a run in which nothing arrives checks nothing. */
export const lossProbability: Expected<number> = {
  phrase: 'a probability ≥ 0 and below 1 (1 would lose every message)',
  accepts: (value): value is number => isNumber(value) && value >= 0 && value < 1,
};

export const numberAtLeast = (minimum: number): Expected<number> => ({
  phrase: `a number ≥ ${minimum}`,
  accepts: (value): value is number => isNumber(value) && value >= minimum,
});

export const numberAbove = (bound: number): Expected<number> => ({
  phrase: `a number > ${bound}`,
  accepts: (value): value is number => isNumber(value) && value > bound,
});

export const probability: Expected<number> = {
  phrase: 'a probability between 0 and 1',
  accepts: (value): value is number => isNumber(value) && value >= 0 && value <= 1,
};

export const boolean: Expected<boolean> = {
  phrase: 'true or false',
  accepts: (value): value is boolean => typeof value === 'boolean',
};

export const nonEmptyString: Expected<string> = {
  phrase: 'a non-empty string',
  accepts: (value): value is string => typeof value === 'string' && value.trim() !== '',
};

export const anyString: Expected<string> = {
  phrase: 'a string',
  accepts: (value): value is string => typeof value === 'string',
};

export function oneOf<const T extends string>(values: readonly T[]): Expected<T> {
  return {
    phrase: values.map((value) => JSON.stringify(value)).join(' or '),
    accepts: (value): value is T => typeof value === 'string' && (values as readonly string[]).includes(value),
  };
}

export const replicaId = (n: number): Expected<number> => ({
  phrase: `a replica id 0..${n - 1}`,
  accepts: (value): value is number => isNumber(value) && Number.isSafeInteger(value) && value >= 0 && value < n,
});

/** `parent.key`, or `key` at the top level. */
export function fieldPath(parent: string, key: string | number): string {
  return parent === '' ? String(key) : `${parent}.${key}`;
}

/** A value as a message shows it: JSON, cut short. */
export function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The field readers of one file: `file` is the path as the user gave it. */
export class FieldReader {
  constructor(readonly file: string) {}

  error(path: string, message: string): UsageError {
    return new UsageError(path === '' ? `${this.file}: ${message}` : `${this.file}: ${path}: ${message}`);
  }

  read<T>(path: string, value: unknown, expected: Expected<T>): T {
    if (!expected.accepts(value)) throw this.error(path, `must be ${expected.phrase}, got ${show(value)}`);
    return value;
  }

  /** An object whose keys are all among `known` ('any': keys are checked elsewhere). */
  object(path: string, value: unknown, known: readonly string[] | 'any'): JsonObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.error(path, `must be an object, got ${show(value)}`);
    }
    if (known === 'any') return value as JsonObject;
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) throw this.error(fieldPath(path, key), `unknown key (known: ${known.join(', ')})`);
    }
    return value as JsonObject;
  }

  array(path: string, value: unknown, minimumLength = 0): readonly unknown[] {
    if (!Array.isArray(value)) throw this.error(path, `must be a list, got ${show(value)}`);
    if (value.length < minimumLength) throw this.error(path, `must have at least ${minimumLength} item(s), got ${value.length}`);
    return value;
  }

  required<T>(record: JsonObject, path: string, key: string, expected: Expected<T>): T {
    if (!Object.hasOwn(record, key)) throw this.error(fieldPath(path, key), `missing; must be ${expected.phrase}`);
    return this.read(fieldPath(path, key), record[key], expected);
  }

  optional<T>(record: JsonObject, path: string, key: string, expected: Expected<T>): T | undefined {
    return Object.hasOwn(record, key) ? this.read(fieldPath(path, key), record[key], expected) : undefined;
  }

  /** A nested object that must be present. */
  requiredObject(record: JsonObject, path: string, key: string, known: readonly string[]): JsonObject {
    if (!Object.hasOwn(record, key)) throw this.error(fieldPath(path, key), `missing; must be an object with keys ${known.join(', ')}`);
    return this.object(fieldPath(path, key), record[key], known);
  }
}
