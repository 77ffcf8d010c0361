// Private key files: `replica-<i>.key` and `client-<c>.key`, one Ed25519 secret seed as
// 64 hex digits and a newline, mode 0600. A key file proves nothing by itself: it is
// accepted only when its public key is the one cluster.json names for that role and id.
import { readFileSync, writeFileSync } from 'node:fs';
import { UsageError } from '../cli/usage-error.ts';
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import { toHex } from '../core/bytes.ts';
import { fromHex, type ClusterConfig } from './cluster-config.ts';

export type Role = 'replica' | 'client';

export function keyFileName(role: Role, id: number): string {
  return `${role}-${id}.key`;
}

export function writeKeyFile(path: string, secretKey: Uint8Array): void {
  writeFileSync(path, `${toHex(secretKey)}\n`, { mode: 0o600, flag: 'wx' });
}

/** Reads a key file; a UsageError names the file when it is unreadable or not a key. */
export function readKeyFile(path: string, crypto: Crypto): KeyPair {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${path}: cannot read the key file: ${(error as Error).message}`);
  }
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new UsageError(`${path}: must hold one Ed25519 secret key as 64 hex digits`);
  return crypto.keyPair(fromHex(hex));
}

/** The key pair in `path`, checked against the public key cluster.json gives `role` `id`. */
export function loadMemberKey(path: string, config: ClusterConfig, role: Role, id: number, crypto: Crypto, clusterFile: string): KeyPair {
  const keyPair = readKeyFile(path, crypto);
  const members = role === 'replica' ? config.replicas : config.clients;
  const member = members[id];
  if (member === undefined) throw new UsageError(`${clusterFile}: ${role}s: has no ${role} ${id} (ids 0..${members.length - 1})`);
  if (toHex(keyPair.publicKey) !== toHex(member.publicKey)) {
    throw new UsageError(`${path}: does not match ${clusterFile}: ${role}s.${id}.publicKey (the key file's public key is ${toHex(keyPair.publicKey)})`);
  }
  return keyPair;
}

/** The client id whose public key in cluster.json is this key's, or a UsageError. */
export function clientIdOf(keyPair: KeyPair, config: ClusterConfig, keyPath: string, clusterFile: string): number {
  const hex = toHex(keyPair.publicKey);
  const client = config.clients.find((entry) => toHex(entry.publicKey) === hex);
  if (client === undefined) throw new UsageError(`${keyPath}: is not the key of any client in ${clusterFile}: clients`);
  return client.id;
}
