// The message log a replica or client process writes with `--message-log FILE`, and
// `pancydb picture` reads back (from-logs.ts): JSON lines, appended, one process after the
// other. Every line has `at` (wall-clock ms, µs precision) and `e` (what happened):
//
//   {"at":…,"e":"start","format":"pancydb-messages/v1","cluster":"<clusterId>","member":"r2","pid":…,"view":0,"lastExecuted":0}
//   {"at":…,"e":"send","to":["r1","r3"],"id":"<frame id>","type":"prepare","view":0,"seq":3,"digest":"ab12cd","signer":"r2","text":"PREPARE v=0 n=3 d=ab12cd"}
//   {"at":…,"e":"receive","from":"r0","id":"<frame id>","dropped":"surplus-vote"}
//   {"at":…,"e":"event","kind":"execute","view":0,"seq":3,"text":"EXECUTE v=0 n=3 d=ab12cd requests=1"}
//   {"at":…,"e":"call","op":0,"operation":{"type":"put","key":"a","value":"1"}}   (clients)
//   {"at":…,"e":"return","op":0,"result":{…}}  or  {"at":…,"e":"abandon","op":0,"reason":"…"}
//   {"at":…,"e":"stop","reason":"SIGTERM"}   {"at":…,"e":"capped","bytes":…}   {"at":…,"e":"skipped","lines":…}
//
// A `start` line opens a session (one process) and names the cluster and the member, so a
// log of another cluster is refused; the lines after it are that member's. The frame id
// (the first 8 bytes of SHA-256 of the frame, hex) is what the sender and the receiver
// both compute, so a send and its receive match without the log holding the frame.
import type { LaneId } from './record.ts';

export const MESSAGE_LOG_FORMAT = 'pancydb-messages/v1';

/** Hex characters of a frame id: 8 bytes of SHA-256, collisions astronomically rare in one run. */
export const FRAME_ID_HEX = 16;

/** A line's `text` longer than this is cut (a REQUEST's value may be large; the picture shows one line). */
export const LOG_TEXT_MAX_CHARS = 400;

/** The lane of a member: 'r2', 'c0'. */
export function laneOf(peer: { readonly kind: 'replica' | 'client'; readonly id: number }): LaneId {
  return peer.kind === 'replica' ? `r${peer.id}` : `c${peer.id}`;
}

/** `text` cut to LOG_TEXT_MAX_CHARS, saying so. */
export function clippedText(text: string): string {
  return text.length <= LOG_TEXT_MAX_CHARS ? text : `${text.slice(0, LOG_TEXT_MAX_CHARS - 1)}…`;
}

/**
 * `text` safe to print on a terminal: control characters (C0, DEL, C1: U+009B is a CSI to
 * some terminals) and bidirectional overrides written as \uXXXX. A log's strings are
 * untrusted, and on a terminal a control character is a command.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
