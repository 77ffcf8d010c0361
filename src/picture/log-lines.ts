// One line of a message log (message-log-format.ts) checked field by field: a log is
// untrusted input (a damaged file, a torn last line, someone else's JSON), so a line that
// is not exactly one of the shapes below is `undefined` and the caller counts it as
// malformed. Nothing here throws, and every string kept is bounded in length.
import { validateOperation, type Operation, type OperationResult } from '../core/operations.ts';
import { parseEvidenceFile, EVIDENCE_FORMAT, type EvidenceFileItem } from '../check/evidence-file.ts';
import { clippedText, FRAME_ID_HEX, MESSAGE_LOG_FORMAT } from './message-log-format.ts';
import type { LaneEvent, LaneId, PictureMessageType } from './record.ts';

export type LogLine =
  | { readonly e: 'start'; readonly at: number; readonly format: string; readonly cluster: string; readonly member: LaneId; readonly pid?: number; readonly view?: number; readonly lastExecuted?: number; readonly started?: string; readonly adversary?: string; readonly adversaryOptions?: string }
  | { readonly e: 'send'; readonly at: number; readonly to: readonly LaneId[]; readonly id: string; readonly type: PictureMessageType; readonly view?: number; readonly seq?: number; readonly digest?: string; readonly signer: LaneId; readonly text: string }
  | { readonly e: 'receive'; readonly at: number; readonly from: LaneId; readonly id: string; readonly dropped?: string; readonly dropDetail?: string }
  | { readonly e: 'event'; readonly at: number; readonly kind: LaneEvent['kind']; readonly view?: number; readonly seq?: number; readonly text: string; readonly item?: EvidenceFileItem }
  | { readonly e: 'call'; readonly at: number; readonly op: number; readonly operation: Operation }
  | { readonly e: 'return'; readonly at: number; readonly op: number; readonly result: OperationResult }
  | { readonly e: 'abandon'; readonly at: number; readonly op: number }
  | { readonly e: 'stop'; readonly at: number }
  | { readonly e: 'capped'; readonly at: number }
  | { readonly e: 'skipped'; readonly at: number; readonly lines: number };

/** Which lanes exist: replicas below n, clients below `clients` (cluster.json's). */
export interface LaneBounds {
  readonly n: number;
  readonly clients: number;
}

const MESSAGE_TYPES: ReadonlySet<string> = new Set<PictureMessageType>(['request', 'read', 'pre-prepare', 'prepare', 'commit', 'checkpoint', 'reply', 'reply-digest', 'status', 'view-change', 'new-view', 'fetch-batch', 'batch', 'state', 'commit-certificate', 'recovery-query', 'recovery-reply']);
const EVENT_KINDS: ReadonlySet<string> = new Set<LaneEvent['kind']>(['execute', 'checkpoint', 'stable-checkpoint', 'start-view-change', 'enter-view', 'state-transfer', 'state-rollback', 'crash', 'restart', 'voting-resumed', 'evidence', 'adversary']);
/** A line longer than this is not one a process wrote (an evidence line holds two frames in hex). */
export const LOG_LINE_MAX_CHARS = 40 * 1024 * 1024;
/** A text field longer than this is refused, not clipped: no writer makes one. */
const TEXT_MAX_CHARS = 4096;
/** Wall-clock ms: after 1970, before the year 33658. */
const AT_MAX = 1e15;

type Json = Record<string, unknown>;

/** The line, or undefined when it is malformed or names a lane outside `bounds`. */
export function parseLogLine(text: string, bounds: LaneBounds): LogLine | undefined {
  if (text.length > LOG_LINE_MAX_CHARS) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const line = json as Json;
  const at = line['at'];
  if (typeof at !== 'number' || !(at >= 0 && at < AT_MAX)) return undefined;
  try {
    return readLine(line, at, bounds);
  } catch {
    return undefined; // validateOperation's TypeError: a malformed operation.
  }
}

function readLine(line: Json, at: number, bounds: LaneBounds): LogLine | undefined {
  switch (line['e']) {
    case 'start': {
      const member = lane(line['member'], bounds);
      const { format, cluster } = line;
      if (member === undefined || typeof format !== 'string' || format.length > 100 || typeof cluster !== 'string' || cluster.length > 200) return undefined;
      if (format !== MESSAGE_LOG_FORMAT) return { e: 'start', at, format, cluster, member };
      const adversary = optionalText(line['adversary']);
      const adversaryOptions = optionalText(line['adversaryOptions']);
      const started = optionalText(line['started']);
      if (adversary === null || adversaryOptions === null || started === null || !optionalWhole(line['pid']) || !optionalWhole(line['view']) || !optionalWhole(line['lastExecuted'])) return undefined;
      return { e: 'start', at, format, cluster, member, ...pick(line, ['pid', 'view', 'lastExecuted']), ...defined({ started, adversary, adversaryOptions }) };
    }
    case 'send': {
      const to = Array.isArray(line['to']) && line['to'].length >= 1 && line['to'].length <= bounds.n ? line['to'].map((entry) => lane(entry, bounds)) : [];
      const signer = lane(line['signer'], bounds);
      const { type, digest } = line;
      // Each receiver once: a writer names each once, and a repeated one would be drawn (and counted) again.
      if (to.length === 0 || to.some((entry) => entry === undefined) || new Set(to).size !== to.length || signer === undefined || !frameId(line['id'])) return undefined;
      if (typeof type !== 'string' || !MESSAGE_TYPES.has(type) || !optionalWhole(line['view']) || !optionalWhole(line['seq'])) return undefined;
      if (digest !== undefined && !(typeof digest === 'string' && /^[0-9a-f]{1,64}$/.test(digest))) return undefined;
      const text = requiredText(line['text']);
      if (text === undefined) return undefined;
      return { e: 'send', at, to: to as LaneId[], id: line['id'] as string, type: type as PictureMessageType, ...pick(line, ['view', 'seq', 'digest']), signer, text };
    }
    case 'receive': {
      const from = lane(line['from'], bounds);
      const dropped = line['dropped'];
      const dropDetail = optionalText(line['dropDetail']);
      if (from === undefined || !frameId(line['id']) || dropDetail === null) return undefined;
      if (dropped !== undefined && !(typeof dropped === 'string' && /^[a-z][a-z-]{0,59}$/.test(dropped))) return undefined;
      if (dropped === undefined && dropDetail !== undefined) return undefined;
      return { e: 'receive', at, from, id: line['id'] as string, ...(dropped === undefined ? {} : { dropped }), ...(dropDetail === undefined ? {} : { dropDetail }) };
    }
    case 'event':
      return readEvent(line, at);
    case 'call': {
      if (!whole(line['op'])) return undefined;
      const operation = line['operation'];
      validateOperation(operation);
      return { e: 'call', at, op: line['op'], operation };
    }
    case 'return': {
      const result = operationResult(line['result']);
      return whole(line['op']) && result !== undefined ? { e: 'return', at, op: line['op'], result } : undefined;
    }
    case 'abandon':
      return whole(line['op']) ? { e: 'abandon', at, op: line['op'] } : undefined;
    case 'stop':
    case 'capped':
      return { e: line['e'], at };
    case 'skipped':
      return whole(line['lines']) ? { e: 'skipped', at, lines: line['lines'] } : undefined;
    default:
      return undefined;
  }
}

function readEvent(line: Json, at: number): LogLine | undefined {
  const { kind } = line;
  const text = requiredText(line['text']);
  if (typeof kind !== 'string' || !EVENT_KINDS.has(kind) || text === undefined || !optionalWhole(line['view']) || !optionalWhole(line['seq'])) return undefined;
  let item: EvidenceFileItem | undefined;
  if (kind === 'evidence') {
    // The evidence file's own reader checks the item (two frames in hex, its fields).
    const parsed = parseEvidenceFile(JSON.stringify({ format: EVIDENCE_FORMAT, evidence: [line['item']] }));
    if ('problem' in parsed) return undefined;
    item = parsed.evidence[0];
  }
  return { e: 'event', at, kind: kind as LaneEvent['kind'], ...pick(line, ['view', 'seq']), text, ...(item === undefined ? {} : { item }) };
}

function operationResult(value: unknown): OperationResult | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const result = value as Json;
  const { status, version } = result;
  if (status !== 'ok' && status !== 'not_found' && status !== 'no_match') return undefined;
  if (!whole(version)) return undefined;
  const keys = Object.keys(result);
  if ('actual' in result) {
    const { actual, previousVersion } = result;
    if (keys.length !== 4 || typeof actual !== 'string' || !whole(previousVersion)) return undefined;
    return { status, version, actual, previousVersion };
  }
  const { value: read } = result;
  if (keys.length !== ('value' in result ? 3 : 2) || (read !== undefined && typeof read !== 'string')) return undefined;
  return read === undefined ? { status, version } : { status, version, value: read };
}

function lane(value: unknown, bounds: LaneBounds): LaneId | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^([rc])(0|[1-9]\d{0,6})$/.exec(value);
  if (match === null) return undefined;
  const index = Number(match[2]);
  return index < (match[1] === 'r' ? bounds.n : bounds.clients) ? (value as LaneId) : undefined;
}

const frameIdPattern = new RegExp(`^[0-9a-f]{${FRAME_ID_HEX}}$`);
function frameId(value: unknown): boolean {
  return typeof value === 'string' && frameIdPattern.test(value);
}

function whole(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function optionalWhole(value: unknown): boolean {
  return value === undefined || whole(value);
}

/** A text field, clipped for the picture; undefined when missing or implausibly long. */
function requiredText(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= TEXT_MAX_CHARS ? clippedText(value) : undefined;
}

/** Absent: undefined; malformed: null. */
function optionalText(value: unknown): string | undefined | null {
  if (value === undefined) return undefined;
  return requiredText(value) ?? null;
}

function pick(line: Json, keys: readonly string[]): Json {
  return Object.fromEntries(keys.filter((key) => line[key] !== undefined).map((key) => [key, line[key]]));
}

function defined(fields: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
