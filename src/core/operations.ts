// Pancydb operations and results: the state machine's inputs and outputs.
// These travel inside signed REQUEST and REPLY messages, so they are plain data.

/** `versionMatch` omitted or -1 means "any version". */
export type Operation =
  | { readonly type: 'get'; readonly key: string }
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly versionMatch?: number }
  | {
      readonly type: 'cas';
      readonly key: string;
      readonly expected: string;
      readonly desired: string;
      readonly versionMatch?: number;
    }
  | { readonly type: 'remove'; readonly key: string; readonly versionMatch?: number };

export type OperationType = Operation['type'];

export type Status = 'ok' | 'not_found' | 'no_match';

/** Result of `get`. An absent key reads as value "" at version 0. */
export interface GetResult {
  readonly status: Status;
  readonly version: number;
  readonly value?: string;
}

/** Result of `put`, `cas` and `remove`. */
export interface WriteResult {
  readonly status: Status;
  readonly actual: string;
  readonly previousVersion: number;
  readonly version: number;
}

export type OperationResult = GetResult | WriteResult;

export function isWriteResult(result: OperationResult): result is WriteResult {
  return 'actual' in result;
}

const OPERATION_FIELDS: Readonly<Record<OperationType, readonly string[]>> = {
  get: ['type', 'key'],
  put: ['type', 'key', 'value', 'versionMatch'],
  cas: ['type', 'key', 'expected', 'desired', 'versionMatch'],
  remove: ['type', 'key', 'versionMatch'],
};
const LONE_SURROGATE = /\p{Cs}/u;
/** versionMatch travels as versionMatch + 1 (encoding.ts), which must stay a safe integer. */
const VERSION_MATCH_MAX = Number.MAX_SAFE_INTEGER - 1;

/**
 * Checks an operation from outside the type system (JavaScript callers, parsed JSON) at
 * the boundary, so a malformed one is refused before it changes any state: a TypeError or
 * RangeError naming the field. Strings must be well-formed UTF-16, since UTF-8 (and so
 * the state digest) cannot tell two different lone surrogates apart.
 * @example validateOperation({ type: 'put', key: 'a' }); // TypeError: operation.value: expected a string, got undefined
 */
export function validateOperation(operation: unknown): asserts operation is Operation {
  if (typeof operation !== 'object' || operation === null || Array.isArray(operation)) {
    throw new TypeError(`operation: expected an object such as { type: 'get', key: 'a' }, got ${shown(operation)}`);
  }
  const record = operation as Record<string, unknown>;
  const type = record['type'];
  if (typeof type !== 'string' || !Object.hasOwn(OPERATION_FIELDS, type)) {
    throw new TypeError(`operation.type: expected one of ${Object.keys(OPERATION_FIELDS).join(', ')}, got ${shown(type)}`);
  }
  const fields = OPERATION_FIELDS[type as OperationType];
  for (const key of Object.keys(record)) {
    if (!fields.includes(key)) throw new TypeError(`operation.${key}: not a field of a ${type} (fields: ${fields.join(', ')})`);
  }
  for (const field of fields.slice(1)) {
    if (field === 'versionMatch') checkVersionMatch(record[field]);
    else checkText(field, record[field]);
  }
}

function checkText(field: string, value: unknown): void {
  if (typeof value !== 'string') throw new TypeError(`operation.${field}: expected a string, got ${shown(value)}`);
  if (LONE_SURROGATE.test(value)) throw new RangeError(`operation.${field}: expected well-formed UTF-16, got a lone surrogate in ${shown(value)}`);
}

function checkVersionMatch(value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`operation.versionMatch: expected a whole number >= -1, got ${shown(value)}`);
  if (value < -1 || value > VERSION_MATCH_MAX) throw new RangeError(`operation.versionMatch: expected a whole number >= -1 and <= ${VERSION_MATCH_MAX}, got ${value}`);
}

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
