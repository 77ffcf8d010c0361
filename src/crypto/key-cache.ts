// What the backends remember per key. Per public key (an OpenSSL KeyObject, a verdict of
// the key rules): keyed by the key's bytes and bounded in entries, since a Byzantine
// sender cycling through fresh keys only evicts the oldest entries and cannot grow memory.
// session-keys.ts keeps its pairwise keys in one too, for the same reason.
// Per secret seed (an OpenSSL private KeyObject, libsodium's expanded signing key) and per
// HMAC key (sodium.ts's precomputed pad states): keyed by the secret's buffer, which only
// this process's own key pairs and session keys reach.

/** Enough for every replica and client of a simulated cluster. */
export const KEY_CACHE_CAPACITY = 4096;

export class KeyCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity = KEY_CACHE_CAPACITY) {}

  /** The value cached for `key`, computed and cached (evicting the oldest, FIFO) on a miss. */
  get(key: Uint8Array, compute: (key: Uint8Array) => V): V {
    const cacheKey = toCacheKey(key);
    if (this.entries.has(cacheKey)) return this.entries.get(cacheKey)!;
    const value = compute(key);
    this.insert(cacheKey, value);
    return value;
  }

  /**
   * Like `get`, but a computed `undefined` is returned without being cached, so a failure
   * (e.g. a principal whose key is not known yet) is tried again on the next call and
   * never takes the place of a useful entry.
   */
  getIfDefined(key: Uint8Array, compute: (key: Uint8Array) => V | undefined): V | undefined {
    const cacheKey = toCacheKey(key);
    if (this.entries.has(cacheKey)) return this.entries.get(cacheKey)!;
    const value = compute(key);
    if (value !== undefined) this.insert(cacheKey, value);
    return value;
  }

  private insert(cacheKey: string, value: V): void {
    if (this.entries.size >= this.capacity) {
      // Map iterates in insertion order, so the first key is the oldest.
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(cacheKey, value);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * What a secret seed expands to, per seed buffer: a WeakMap, so an entry goes with its
 * buffer, and keyed by the buffer rather than the KeyPair so that KeyPairs made by another
 * backend (or spread copies) hit too. The seed is copied and compared on every hit: a
 * Uint8Array can be changed in place, and a stale key would sign as someone else.
 */
export class SeedCache<V> {
  private readonly entries = new WeakMap<Uint8Array, { readonly seed: Uint8Array; readonly value: V }>();

  get(seed: Uint8Array, expand: (seed: Uint8Array) => V): V {
    const cached = this.entries.get(seed);
    if (cached !== undefined && bytesEqual(cached.seed, seed)) return cached.value;
    const value = expand(seed);
    this.entries.set(seed, { seed: Uint8Array.from(seed), value });
    return value;
  }
}

/** latin1 maps each byte to one char, so equal strings mean equal bytes. */
function toCacheKey(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

function bytesEqual(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && Buffer.from(left.buffer, left.byteOffset, left.byteLength).equals(Buffer.from(right.buffer, right.byteOffset, right.byteLength));
}
