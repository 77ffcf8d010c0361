// The one small interface behind which all cryptography sits.
// Three backends implement it: `noble.ts` (pure JS, the reference), `native.ts`
// (node:crypto, faster) and `sodium.ts` (libsodium, fastest where its addon loads).
// Everything else sees only this interface, so the protocol core in src/core stays free
// of node: imports.

/** A 32-byte Ed25519 secret seed with its derived 32-byte public key. */
export interface KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface Crypto {
  /** Backend name, for reports: 'noble', 'native' or 'sodium'. */
  readonly name: string;
  /** Derives the public key of a 32-byte Ed25519 secret seed. */
  keyPair(secretKey: Uint8Array): KeyPair;
  /** Ed25519 signature (64 bytes, deterministic per RFC 8032). */
  sign(keyPair: KeyPair, message: Uint8Array): Uint8Array;
  /** Never throws: malformed keys or signatures verify as false. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** SHA-256 digest (32 bytes). */
  sha256(data: Uint8Array): Uint8Array;
}
