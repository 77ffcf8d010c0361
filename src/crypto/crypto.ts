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
  /** HMAC-SHA256 (RFC 2104), 32 bytes: the MAC of PBFT's authenticators (session-keys.ts). */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /**
   * X25519 (RFC 7748) between the Montgomery forms of our Ed25519 secret seed and of the
   * peer's Ed25519 public key (montgomery.ts): 32 bytes, the same on both sides. Never
   * throws on the peer's key: undefined unless it is the canonical encoding of a point of
   * prime order, or when the result would be all zero.
   */
  sharedSecret(keyPair: KeyPair, peerPublicKey: Uint8Array): Uint8Array | undefined;
}
