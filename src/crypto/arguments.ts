// Argument checks shared by the crypto backends: errors name the argument (noble style).
import type { KeyPair } from './crypto.ts';

export const SECRET_KEY_BYTES = 32;

export function isBytes(value: unknown, length?: number): value is Uint8Array {
  return value instanceof Uint8Array && (length === undefined || value.length === length);
}

export function assertBytes(value: unknown, name: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name}: expected Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name}: expected ${length} bytes, got ${value.length}`);
  }
}

export function assertKeyPair(keyPair: KeyPair): void {
  if (typeof keyPair !== 'object' || keyPair === null) {
    throw new TypeError('keyPair: expected { secretKey, publicKey }');
  }
  assertBytes(keyPair.secretKey, 'keyPair.secretKey', SECRET_KEY_BYTES);
}
