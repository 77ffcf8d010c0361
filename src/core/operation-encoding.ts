// Canonical encoding of what a client asks and what it gets back: operations (inside
// REQUEST) and results (inside REPLY, the client table and STATE). Equal values give
// equal bytes, so replies and client tables are compared by their encoding.
import { DecodeError, Reader, Writer } from './bytes.ts';
import type { GetResult, Operation, OperationResult, Status, WriteResult } from './operations.ts';

const OPERATION_TAG = { get: 1, put: 2, cas: 3, remove: 4 } as const;
const STATUS_CODES: readonly Status[] = ['ok', 'not_found', 'no_match'];

/** versionMatch: omitted and -1 both mean "any" and encode alike, as 0. */
function writeVersionMatch(writer: Writer, versionMatch: number | undefined): void {
  writer.uint(versionMatch === undefined || versionMatch === -1 ? 0 : versionMatch + 1);
}

function readVersionMatch(reader: Reader): { versionMatch?: number } {
  const encoded = reader.uint();
  return encoded === 0 ? {} : { versionMatch: encoded - 1 };
}

export function writeOperation(writer: Writer, operation: Operation): void {
  writer.u8(OPERATION_TAG[operation.type]).text(operation.key);
  switch (operation.type) {
    case 'get':
      return;
    case 'put':
      writer.text(operation.value);
      return writeVersionMatch(writer, operation.versionMatch);
    case 'cas':
      writer.text(operation.expected).text(operation.desired);
      return writeVersionMatch(writer, operation.versionMatch);
    case 'remove':
      return writeVersionMatch(writer, operation.versionMatch);
  }
}

export function readOperation(reader: Reader): Operation {
  const tag = reader.u8();
  const key = reader.text();
  switch (tag) {
    case OPERATION_TAG.get:
      return { type: 'get', key };
    case OPERATION_TAG.put: {
      const value = reader.text();
      return { type: 'put', key, value, ...readVersionMatch(reader) };
    }
    case OPERATION_TAG.cas: {
      const expected = reader.text();
      const desired = reader.text();
      return { type: 'cas', key, expected, desired, ...readVersionMatch(reader) };
    }
    case OPERATION_TAG.remove:
      return { type: 'remove', key, ...readVersionMatch(reader) };
    default:
      throw new DecodeError(`unknown operation tag ${tag}`);
  }
}

function writeStatus(writer: Writer, status: Status): void {
  writer.u8(STATUS_CODES.indexOf(status));
}

function readStatus(reader: Reader): Status {
  const status = STATUS_CODES[reader.u8()];
  if (status === undefined) throw new DecodeError('unknown status');
  return status;
}

export function writeResult(writer: Writer, result: OperationResult): void {
  if ('actual' in result) {
    writer.u8(2);
    writeStatus(writer, result.status);
    writer.text(result.actual).uint(result.previousVersion).uint(result.version);
    return;
  }
  writer.u8(1);
  writeStatus(writer, result.status);
  writer.uint(result.version);
  if (result.value === undefined) writer.u8(0);
  else writer.u8(1).text(result.value);
}

export function readResult(reader: Reader): OperationResult {
  const tag = reader.u8();
  if (tag === 2) {
    const status = readStatus(reader);
    const actual = reader.text();
    const previousVersion = reader.uint();
    const version = reader.uint();
    return { status, actual, previousVersion, version } satisfies WriteResult;
  }
  if (tag !== 1) throw new DecodeError(`unknown result tag ${tag}`);
  const status = readStatus(reader);
  const version = reader.uint();
  const hasValue = reader.u8();
  if (hasValue > 1) throw new DecodeError('bad value flag');
  return (hasValue === 1 ? { status, version, value: reader.text() } : { status, version }) satisfies GetResult;
}

/** Canonical bytes of a result: equal results, equal bytes (replies are compared by it). */
export function encodeResult(result: OperationResult): Uint8Array {
  const writer = new Writer();
  writeResult(writer, result);
  return writer.finish();
}
