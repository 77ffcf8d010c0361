// The link handshake (challenge–response, as CometBFT's secret connection authenticates
// peers against their configured keys). Each side sends HELLO with the clusterId, the role
// and id it claims and a fresh 32-byte nonce; on the other's HELLO it checks the clusterId
// and answers with PROOF: its Ed25519 signature over
//   (domain, clusterId, signer, whether the signer dialed, verifier, verifier's nonce, signer's nonce).
// The verifier's nonce makes the proof fresh (no replay of an old handshake), the signer's
// role and id bind it to the claim (no reflection of the peer's own proof), and the
// clusterId keeps a key reused in two clusters from vouching across them. The proof is
// checked against the public key cluster.json gives that role and id, and nothing else.
//
// A side signs its PROOF before it has checked the peer's, so anyone can obtain a proof
// over a nonce of their choice: connect to replica 1 and read its nonce, connect to
// replica 0 claiming to be replica 1 with that nonce, and replica 0 signs over it. Naming
// the verifier and the direction keeps such a proof from opening any other link: replica
// 0's proof above says "accepted, to replica 1", while replica 1, accepting, wants
// "dialed, to replica 1"; and a proof a client signs when it dials a Byzantine replica
// names that replica, not the one the Byzantine replica would show it to.
import type { Member } from './link.ts';
import type { Role } from '../deploy/key-file.ts';

export const NONCE_BYTES = 32;
/** HELLO and PROOF are a few hundred bytes; anything bigger before authentication is refused. */
export const HANDSHAKE_FRAME_MAX_BYTES = 1024;
// v2: the proof names the verifier and the direction (v1 did not, and could be relayed).
const DOMAIN = 'pancydb-bft/handshake/v2';

export interface Hello {
  readonly clusterId: string;
  readonly role: Role;
  readonly id: number;
  readonly nonce: Uint8Array;
}

const encoder = new TextEncoder();

export function encodeHello(hello: Hello): Uint8Array {
  return encoder.encode(JSON.stringify({ hello: DOMAIN, clusterId: hello.clusterId, role: hello.role, id: hello.id, nonce: Buffer.from(hello.nonce).toString('hex') }));
}

export function encodeProof(signature: Uint8Array): Uint8Array {
  return encoder.encode(JSON.stringify({ proof: Buffer.from(signature).toString('hex') }));
}

function parseJson(frame: Uint8Array): Record<string, unknown> | string {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : 'not an object';
  } catch {
    return 'not JSON';
  }
}

/** The peer's HELLO, or why it is not one. */
export function decodeHello(frame: Uint8Array): Hello | string {
  const value = parseJson(frame);
  if (typeof value === 'string') return `malformed HELLO: ${value}`;
  if (value.hello !== DOMAIN) return `malformed HELLO: expected protocol ${DOMAIN}`;
  const { clusterId, role, id, nonce } = value;
  if (typeof clusterId !== 'string' || !/^[0-9a-f]{64}$/.test(clusterId)) return 'malformed HELLO: clusterId';
  if (role !== 'replica' && role !== 'client') return 'malformed HELLO: role';
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return 'malformed HELLO: id';
  if (typeof nonce !== 'string' || !new RegExp(`^[0-9a-f]{${2 * NONCE_BYTES}}$`).test(nonce)) return 'malformed HELLO: nonce';
  return { clusterId, role, id, nonce: new Uint8Array(Buffer.from(nonce, 'hex')) };
}

/** The peer's PROOF signature, or why it is not one. */
export function decodeProof(frame: Uint8Array): Uint8Array | string {
  const value = parseJson(frame);
  if (typeof value === 'string') return `malformed PROOF: ${value}`;
  if (typeof value.proof !== 'string' || !/^[0-9a-f]{128}$/.test(value.proof)) return 'malformed PROOF: signature';
  return new Uint8Array(Buffer.from(value.proof, 'hex'));
}

/** Who signs a PROOF, whether it dialed the link, and whom it proves itself to. */
export interface ProofContext {
  readonly clusterId: string;
  readonly signer: Member;
  readonly signerDialed: boolean;
  readonly verifier: Member;
}

/** The bytes a PROOF signs: fixed-format fields separated by newlines, so no two inputs share an encoding. */
export function proofBytes(context: ProofContext, verifierNonce: Uint8Array, signerNonce: Uint8Array): Uint8Array {
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  const { clusterId, signer, signerDialed, verifier } = context;
  const fields = [DOMAIN, clusterId, signer.role, String(signer.id), signerDialed ? 'dialer' : 'acceptor', verifier.role, String(verifier.id), hex(verifierNonce), hex(signerNonce)];
  return encoder.encode(fields.join('\n'));
}
