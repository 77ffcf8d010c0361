// Cost of a verify-memo hit, old design (copies of the inputs, byte compare) against the
// new one (keyed by SHA-256 of the triple, no copies), and heap per entry:
//   npx tsx bench/memo-bench.ts
// Messages: a 200-byte PREPARE-sized message and a 100 KB frame. Each figure runs ~1 s
// after a warm-up. The inner backend is node:crypto (the one the simulator uses).

import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createNativeCrypto, deriveSecretKey, memoizeVerify, type Crypto } from '../src/crypto/index.ts';
import { memoizeVerifyLegacy } from './memo-legacy.ts';

const DURATION_MS = 1000;
const WARMUP_CALLS = 200;

function opsPerSecond(operation: () => void): number {
  for (let call = 0; call < WARMUP_CALLS; call++) operation();
  let calls = 0;
  const startMs = performance.now();
  let elapsedMs = 0;
  while (elapsedMs < DURATION_MS) {
    for (let batch = 0; batch < 20; batch++) operation();
    calls += 20;
    elapsedMs = performance.now() - startMs;
  }
  return (calls * 1000) / elapsedMs;
}

type Memo = Crypto & { readonly stats: { hits: number } };

function hitRate(memo: Memo, crypto: Crypto, messageBytes: number): number {
  const keyPair = crypto.keyPair(deriveSecretKey('bench', 'replica', 0));
  const message = new Uint8Array(messageBytes).map((_, index) => index * 7);
  const signature = crypto.sign(keyPair, message);
  // A fresh copy each call, as the gateway sees a freshly decoded frame.
  const copy = message.slice();
  memo.verify(keyPair.publicKey, message, signature);
  const rate = opsPerSecond(() => memo.verify(keyPair.publicKey, copy, signature));
  if (memo.stats.hits < 1) throw new Error('bench: no hits');
  return rate;
}

function missRate(crypto: Crypto, messageBytes: number): number {
  const keyPair = crypto.keyPair(deriveSecretKey('bench', 'replica', 0));
  const message = new Uint8Array(messageBytes).map((_, index) => index * 7);
  const signature = crypto.sign(keyPair, message);
  return opsPerSecond(() => crypto.verify(keyPair.publicKey, message, signature));
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const collectGarbage = (): void => {
  for (let round = 0; round < 3; round++) gc();
};

/** Heap bytes per entry with `entries` distinct 200-byte messages cached, and retained after the last call. */
function heapPerEntry(makeMemo: (capacity: number) => Crypto, crypto: Crypto, entries: number, messageBytes: number): number {
  const keyPair = crypto.keyPair(deriveSecretKey('bench', 'replica', 0));
  const signature = new Uint8Array(64);
  collectGarbage();
  const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const memo = makeMemo(entries);
  for (let index = 0; index < entries; index++) {
    const message = new Uint8Array(messageBytes);
    new DataView(message.buffer).setUint32(0, index);
    new DataView(signature.buffer).setUint32(0, index);
    memo.verify(keyPair.publicKey, message, signature); // invalid: cached as false
  }
  collectGarbage();
  const after = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  if (memo.verify.length !== 3) throw new Error('unreachable'); // keep memo alive to here
  return (after - before) / entries;
}

const native = createNativeCrypto();
const format = (value: number): string => Math.round(value).toLocaleString('en-US').padStart(11);
console.log(`cores: ${os.availableParallelism()} (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}`);
for (const bytes of [200, 100 * 1024]) {
  const legacy = hitRate(memoizeVerifyLegacy(native), native, bytes);
  const hashed = hitRate(memoizeVerify(native), native, bytes);
  const verify = missRate(native, bytes);
  console.log(`${String(bytes).padStart(6)} B: hits/s old ${format(legacy)}  new ${format(hashed)}  (new/old ${(hashed / legacy).toFixed(2)});  plain verify/s ${format(verify)}`);
}
const entries = 20_000;
// New design first: the old one's freed copies would otherwise blur the figure.
const newPerEntry = heapPerEntry((capacity) => memoizeVerify(native, capacity), native, entries, 200);
const newPerEntryLarge = heapPerEntry((capacity) => memoizeVerify(native, capacity), native, entries, 100 * 1024);
const oldPerEntry = heapPerEntry((capacity) => memoizeVerifyLegacy(native, capacity), native, entries, 200);
console.log(`heap per entry (${entries} distinct entries): new ${newPerEntry.toFixed(0)} B with 200 B messages, ${newPerEntryLarge.toFixed(0)} B with 100 KB messages; old ${oldPerEntry.toFixed(0)} B with 200 B messages (old grows with the message)`);
