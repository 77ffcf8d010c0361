// What the backends remember per public key (an OpenSSL KeyObject, a verdict of the key
// rules), keyed by the key's bytes and bounded in entries: a Byzantine sender cycling
// through fresh keys only evicts the oldest entries, it cannot grow memory.

/** Enough for every replica and client of a simulated cluster. */
export const KEY_CACHE_CAPACITY = 4096;

export class KeyCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity = KEY_CACHE_CAPACITY) {}

  /** The value cached for `key`, computed and cached (evicting the oldest, FIFO) on a miss. */
  get(key: Uint8Array, compute: (key: Uint8Array) => V): V {
    // latin1 maps each byte to one char, so equal strings mean equal bytes.
    const cacheKey = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
    if (this.entries.has(cacheKey)) return this.entries.get(cacheKey)!;
    const value = compute(key);
    if (this.entries.size >= this.capacity) {
      // Map iterates in insertion order, so the first key is the oldest.
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(cacheKey, value);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
