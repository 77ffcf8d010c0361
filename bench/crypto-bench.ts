// Ed25519 throughput of the three backends, single-threaded:
//   npx tsx bench/crypto-bench.ts
// Each backend signs and verifies a 128-byte message (about a PBFT prepare) for ~1 s
// after a warm-up, so JIT compilation and key caches are out of the figure.

import os from 'node:os';
import { createNativeCrypto, createNobleCrypto, createSodiumCrypto, deriveSecretKey, type Crypto } from '../src/crypto/index.ts';

const MESSAGE_BYTES = 128;
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

function measure(crypto: Crypto): { signsPerSecond: number; verifiesPerSecond: number } {
  const keyPair = crypto.keyPair(deriveSecretKey('bench', 'replica', 0));
  const message = new Uint8Array(MESSAGE_BYTES).map((_, index) => index);
  const signature = crypto.sign(keyPair, message);
  if (!crypto.verify(keyPair.publicKey, message, signature)) throw new Error(`${crypto.name}: self-check failed`);
  return {
    signsPerSecond: opsPerSecond(() => crypto.sign(keyPair, message)),
    verifiesPerSecond: opsPerSecond(() => crypto.verify(keyPair.publicKey, message, signature)),
  };
}

const format = (value: number): string => Math.round(value).toLocaleString('en-US').padStart(9);
const noble = measure(createNobleCrypto());
const native = measure(createNativeCrypto());
const sodium = measure(createSodiumCrypto());
const cpus = os.cpus();

console.log(`node ${process.version}, ${cpus.length} cores (${cpus[0]?.model ?? 'unknown CPU'}), one thread, ${MESSAGE_BYTES}-byte message`);
console.log(`backend   signs/s   verifies/s`);
console.log(`noble   ${format(noble.signsPerSecond)}  ${format(noble.verifiesPerSecond)}`);
console.log(`native  ${format(native.signsPerSecond)}  ${format(native.verifiesPerSecond)}`);
console.log(`sodium  ${format(sodium.signsPerSecond)}  ${format(sodium.verifiesPerSecond)}`);
const ratio = (of: ReturnType<typeof measure>, to: ReturnType<typeof measure>) =>
  `sign ×${(of.signsPerSecond / to.signsPerSecond).toFixed(2)}, verify ×${(of.verifiesPerSecond / to.verifiesPerSecond).toFixed(2)}`;
console.log(`native/noble: ${ratio(native, noble)}`);
console.log(`sodium/native: ${ratio(sodium, native)}`);
