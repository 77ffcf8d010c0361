// How each message is authenticated, in each of the two modes.
//
// 'signed': every message carries its sender's Ed25519 signature (OSDI'99 §4 as written).
//
// 'mac': PBFT's own optimization (OSDI'99 §5.2; TOCS 2002): where no third party ever checks
// a message, a MAC under a pairwise session key (session-keys.ts) replaces the signature.
// The design rule is that anything a third party must check later stays signed:
//
//   REQUEST       client signature AND an authenticator (one MAC per replica). The primary
//                 checks the signature before it orders the request; a backup accepting a
//                 PRE-PREPARE checks its own MAC and falls back to the signature only if
//                 that MAC is wrong (see requestAuthentic below). A request is inside a
//                 PRE-PREPARE, so it must stay checkable by a third party: the signature is.
//   REPLY         one MAC, for its client: only that client reads it (§4.1).
//   PRE-PREPARE,  signed: their headers and votes form the prepared certificates in a
//   PREPARE,      VIEW-CHANGE's P (§4.4) and the commit certificates of state transfer, which
//   COMMIT        other replicas check later. Replacing them needs the signature-free view
//                 change of TOCS 2002 (§4 there), which this mode does not implement yet.
//   CHECKPOINT    signed: 2f+1 of them are C, the proof of a stable checkpoint (§4.3).
//   VIEW-CHANGE,  signed: a NEW-VIEW carries 2f+1 VIEW-CHANGEs (OSDI'99 §4.4; even the MAC
//   NEW-VIEW      version of OSDI'99 signs these two).
//   STATUS, FETCH-BATCH, BATCH, STATE, COMMIT-CERTIFICATE, RECOVERY-QUERY, RECOVERY-REPLY:
//                 signed, as in 'signed' mode. They are rare (timers, lost messages,
//                 restarts), and a BATCH's and a certificate's requests are bound by a
//                 certified digest, so their MACs need no checking (certificates.ts).
//
// Why a request carries a signature as well as MACs. A Byzantine client can send MACs that
// are right at some replicas and wrong at others. If backups judged requests by their MACs
// alone, a correct primary could order a request that some correct backups reject, and the
// sequence number would stall until those backups voted the primary out; and a Byzantine
// primary could not be told from a Byzantine client. The BFT library accepts a request at a
// backup if it authenticates it or already holds it, and notes this very gap (a correct
// client denied service because a faulty one shares its batch). Here one rule decides:
// a request is genuine if its signature verifies. The primary orders only such requests, so
// every correct backup accepts its batches, with its own MAC (cheap) or, if a faulty client
// broke that MAC, with the signature (what 'signed' mode pays for every request). A valid
// MAC at a correct backup also proves the client made the request, since only the client
// and that backup know the key; so a batch a Byzantine primary and client build together
// is at worst accepted by some correct replicas and not others, which decides nothing: a
// batch counts only once 2f+1 replicas prepare it, and all correct replicas then execute
// it whatever its MACs say. Aardvark (Clement et al., NSDI'09, §4) signs client requests
// for the same reason.
import { MAC_TAG_BYTES, SessionKeys, type Principal } from '../crypto/session-keys.ts';
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import type { ReadRequest, Request, Signed } from './messages.ts';

export type AuthMode = 'signed' | 'mac';
export const AUTH_MODES: readonly AuthMode[] = ['signed', 'mac'];

/** Separates the session keys of unrelated clusters; a deployed cluster passes its cluster id. */
export const DEFAULT_AUTH_DOMAIN: Uint8Array = new TextEncoder().encode('pancydb-bft');

/** Reads an auth mode from untrusted input; the error names the field. */
export function parseAuthMode(value: unknown, field: string): AuthMode {
  if (value === 'signed' || value === 'mac') return value;
  throw new Error(`${field}: expected one of ${AUTH_MODES.join(', ')}, got ${JSON.stringify(value)}`);
}

export interface AuthParties {
  readonly crypto: Crypto;
  readonly keyPair: KeyPair;
  readonly replicaKeys: readonly Uint8Array[];
  readonly clientKey: (client: number) => Uint8Array | undefined;
  readonly authDomain?: Uint8Array;
}

/** The session keys of replica or client `self`, deriving each pair's key when first used. */
export function sessionKeysOf(self: Principal, parties: AuthParties): SessionKeys {
  return new SessionKeys({
    crypto: parties.crypto,
    self,
    keyPair: parties.keyPair,
    publicKeyOf: (principal) => (principal.kind === 'replica' ? parties.replicaKeys[principal.id] : parties.clientKey(principal.id)),
    domain: parties.authDomain ?? DEFAULT_AUTH_DOMAIN,
  });
}

/** Whether replica `replica`'s entry of the request's authenticator is the client's MAC. */
export function requestMacValid(keys: SessionKeys, replica: number, request: Signed<Request | ReadRequest>): boolean {
  const authenticator = request.authenticator;
  const start = replica * MAC_TAG_BYTES;
  if (authenticator === undefined || authenticator.length < start + MAC_TAG_BYTES) return false;
  return keys.verifyTag({ kind: 'client', id: request.message.client }, request.signedBytes, authenticator.subarray(start, start + MAC_TAG_BYTES));
}

/** A request's authenticator: one MAC per replica, in replica order. */
export function requestAuthenticator(keys: SessionKeys, n: number, bytes: Uint8Array): Uint8Array {
  const replicas: Principal[] = [];
  for (let id = 0; id < n; id++) replicas.push({ kind: 'replica', id });
  return keys.authenticator(replicas, bytes);
}
