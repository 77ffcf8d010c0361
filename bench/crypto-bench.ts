// Ed25519, HMAC and X25519 throughput of the three backends, single-threaded:
//   npx tsx bench/crypto-bench.ts
// Each backend signs and verifies a 128-byte message (about a PBFT prepare), MACs a
// 200-byte message with HMAC-SHA256 (one entry of a MAC-mode authenticator) and derives
// one X25519 shared secret (what a session key costs once per pair, session-keys.ts),
// each for ~1 s after a warm-up, so JIT compilation and key caches are out of the figure.

import os from 'node:os';
import { createNativeCrypto, createNobleCrypto, createSodiumCrypto, deriveSecretKey, type Crypto } from '../src/crypto/index.ts';

const MESSAGE_BYTES = 128;
const MAC_MESSAGE_BYTES = 200;
const DURATION_MS = 1000;
const WARMUP_CALLS = 200;

function opsPerSecond(operation: () => void): number {
  for (let call = 0; call < WARMUP_CALLS; call++) operation();
  let calls = 0;
  const startMs = performance.now();
  let elapsedMs = 0;
  while (elapsedMs < DURATION_MS) {
    for (let batch = 0; batch < 50; batch++) operation();
    calls += 50;
    elapsedMs = performance.now() - startMs;
  }
  return (calls * 1000) / elapsedMs;
}

function measure(crypto: Crypto): { signsPerSecond: number; verifiesPerSecond: number; macsPerSecond: number; sharedSecretsPerSecond: number } {
  const keyPair = crypto.keyPair(deriveSecretKey('bench', 'replica', 0));
  const peerPublicKey = crypto.keyPair(deriveSecretKey('bench', 'replica', 1)).publicKey;
  const message = new Uint8Array(MESSAGE_BYTES).map((_, index) => index);
  const macMessage = new Uint8Array(MAC_MESSAGE_BYTES).map((_, index) => index);
  const macKey = new Uint8Array(32).fill(7);
  const signature = crypto.sign(keyPair, message);
  if (!crypto.verify(keyPair.publicKey, message, signature)) throw new Error(`${crypto.name}: self-check failed`);
  if (crypto.sharedSecret(keyPair, peerPublicKey) === undefined) throw new Error(`${crypto.name}: sharedSecret self-check failed`);
  return {
    signsPerSecond: opsPerSecond(() => crypto.sign(keyPair, message)),
    verifiesPerSecond: opsPerSecond(() => crypto.verify(keyPair.publicKey, message, signature)),
    macsPerSecond: opsPerSecond(() => crypto.hmacSha256(macKey, macMessage)),
    // The peer's converted key is cached after the first call, as in a running replica.
    sharedSecretsPerSecond: opsPerSecond(() => crypto.sharedSecret(keyPair, peerPublicKey)),
  };
}

const format = (value: number): string => Math.round(value).toLocaleString('en-US').padStart(9);
const noble = measure(createNobleCrypto());
const native = measure(createNativeCrypto());
const sodium = measure(createSodiumCrypto());
const cpus = os.cpus();

console.log(`node ${process.version}, ${cpus.length} cores (${cpus[0]?.model ?? 'unknown CPU'}), one thread, ${MESSAGE_BYTES}-byte message (${MAC_MESSAGE_BYTES} bytes for HMAC)`);
console.log(`backend   signs/s   verifies/s  hmacSha256/s  sharedSecret/s`);
for (const [name, figures] of [['noble ', noble], ['native', native], ['sodium', sodium]] as const) {
  console.log(`${name}  ${format(figures.signsPerSecond)}  ${format(figures.verifiesPerSecond)}     ${format(figures.macsPerSecond)}       ${format(figures.sharedSecretsPerSecond)}`);
}
const ratio = (of: ReturnType<typeof measure>, to: ReturnType<typeof measure>) =>
  `sign ×${(of.signsPerSecond / to.signsPerSecond).toFixed(2)}, verify ×${(of.verifiesPerSecond / to.verifiesPerSecond).toFixed(2)}`;
console.log(`native/noble: ${ratio(native, noble)}`);
console.log(`sodium/native: ${ratio(sodium, native)}`);
