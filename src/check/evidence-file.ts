// Evidence files: what `pancydb sim --evidence FILE` writes (and a replica process may
// export) and `pancydb verify-evidence` reads. JSON, with each item's two frames in hex:
//
//   { "format": "pancydb-evidence/v1",
//     "source": { "kind": "sim", "seed": 7, "scenario": "adversaries/scenarios/twin.json", "n": 4 },
//     "evidence": [ { "holder": 3, "culprit": 0, "kind": "pre-prepare", "view": 0, "seq": 3,
//                     "frames": ["02…", "02…"] } ] }
//
// `source` says where the evidence came from ({"kind": "cluster", "clusterId": …} for a
// deployed cluster). It names no keys: the verifier names the cluster itself, since
// evidence that carried its own keys would prove nothing. Everything but the frames is a
// claim the verifier checks against them.
import { toHex } from '../core/bytes.ts';
import { EVIDENCE_KINDS, type Evidence, type EvidenceKind } from '../core/evidence.ts';

export const EVIDENCE_FORMAT = 'pancydb-evidence/v1';

export type EvidenceSource =
  | { readonly kind: 'sim'; readonly seed: number; readonly scenario?: string; readonly n: number }
  | { readonly kind: 'cluster'; readonly clusterId: string };

export interface EvidenceFileItem {
  /** The replica that kept it; not checked (anyone may hold evidence). */
  readonly holder?: number;
  readonly culprit?: number;
  readonly kind?: EvidenceKind;
  readonly view?: number;
  readonly seq?: number;
  /** When the holder kept it (simulated ms, or wall ms in a process); not checked. */
  readonly atMs?: number;
  /** Signed bytes then the 64-byte signature, each, in hex. */
  readonly frames: readonly [string, string];
}

export interface EvidenceFile {
  readonly source: EvidenceSource | undefined;
  readonly evidence: readonly EvidenceFileItem[];
}

/** The file's text: one JSON object, two-space indented, ending in a newline. */
export function evidenceFileText(source: EvidenceSource, evidence: readonly EvidenceFileItem[]): string {
  return `${JSON.stringify({ format: EVIDENCE_FORMAT, source, evidence }, null, 2)}\n`;
}

/** One item as a file carries it: what `holder` keeps, found at `atMs` if given. */
export function evidenceFileItem(holder: number, evidence: Evidence, atMs?: number): EvidenceFileItem {
  const { culprit, kind, view, seq, frames } = evidence;
  return {
    holder,
    culprit,
    kind,
    ...(view === undefined ? {} : { view }),
    ...(seq === undefined ? {} : { seq }),
    ...(atMs === undefined ? {} : { atMs }),
    frames: hexFrames(frames),
  };
}

/** Frames as evidence files carry them. */
export function hexFrames(frames: readonly [Uint8Array, Uint8Array]): [string, string] {
  return [toHex(frames[0]), toHex(frames[1])];
}

const ITEM_KEYS = new Set(['holder', 'culprit', 'kind', 'view', 'seq', 'atMs', 'frames']);
const TOP_KEYS = new Set(['format', 'source', 'evidence']);

/** The file, or what is wrong with it (a field path and the reason), never an exception. */
export function parseEvidenceFile(text: string): EvidenceFile | { readonly problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!isObject(json)) return { problem: 'not an evidence file: expected a JSON object' };
  const unknown = Object.keys(json).find((key) => !TOP_KEYS.has(key));
  if (unknown !== undefined) return { problem: `unknown field ${unknown}` };
  if (json.format !== EVIDENCE_FORMAT) return { problem: `format: expected "${EVIDENCE_FORMAT}", got ${JSON.stringify(json.format)}` };
  if (!Array.isArray(json.evidence)) return { problem: 'evidence: expected a list of items' };
  const evidence: EvidenceFileItem[] = [];
  for (const [index, item] of json.evidence.entries()) {
    const parsed = parseItem(item, `evidence.${index}`);
    if ('problem' in parsed) return parsed;
    evidence.push(parsed);
  }
  return { source: isObject(json.source) ? (json.source as unknown as EvidenceSource) : undefined, evidence };
}

function parseItem(item: unknown, path: string): EvidenceFileItem | { readonly problem: string } {
  if (!isObject(item)) return { problem: `${path}: expected an object` };
  const unknown = Object.keys(item).find((key) => !ITEM_KEYS.has(key));
  if (unknown !== undefined) return { problem: `${path}: unknown field ${unknown}` };
  for (const key of ['holder', 'culprit', 'view', 'seq']) {
    const value = item[key];
    if (value !== undefined && !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) return { problem: `${path}.${key}: expected a whole number ≥ 0, got ${JSON.stringify(value)}` };
  }
  if (item.atMs !== undefined && !(typeof item.atMs === 'number' && item.atMs >= 0)) return { problem: `${path}.atMs: expected a number of ms ≥ 0, got ${JSON.stringify(item.atMs)}` };
  if (item.kind !== undefined && !(EVIDENCE_KINDS as readonly unknown[]).includes(item.kind)) return { problem: `${path}.kind: expected one of ${EVIDENCE_KINDS.join(', ')}, got ${JSON.stringify(item.kind)}` };
  const frames = item.frames;
  if (!Array.isArray(frames) || frames.length !== 2) return { problem: `${path}.frames: expected two hex strings` };
  for (const [index, frame] of frames.entries()) {
    if (typeof frame !== 'string' || !/^(?:[0-9a-f]{2})+$/.test(frame)) return { problem: `${path}.frames.${index}: expected lowercase hex of whole bytes` };
  }
  return item as unknown as EvidenceFileItem;
}

export function fromHexFrame(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index++) bytes[index] = Number.parseInt(hex.slice(2 * index, 2 * index + 2), 16);
  return bytes;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
