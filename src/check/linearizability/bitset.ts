// A fixed-size set of small integers with a Zobrist hash kept up to date (Zobrist,
// 1970): each member contributes a fixed pseudo-random word, XORed in on add and
// out on remove, so the memoization key of a linearized set costs O(1) per step.

const BITS_PER_WORD = 32;

export class HashedBitset {
  readonly words: Uint32Array;
  hash = 0;

  constructor(readonly size: number) {
    this.words = new Uint32Array(Math.ceil(size / BITS_PER_WORD));
  }

  has(member: number): boolean {
    return ((this.words[member >>> 5] ?? 0) & (1 << (member & 31))) !== 0;
  }

  add(member: number): void {
    this.words[member >>> 5]! |= 1 << (member & 31);
    this.hash ^= memberHash(member);
  }

  delete(member: number): void {
    this.words[member >>> 5]! &= ~(1 << (member & 31));
    this.hash ^= memberHash(member);
  }

  equalWords(other: Uint32Array): boolean {
    const { words } = this;
    for (let index = 0; index < words.length; index += 1) if (words[index] !== other[index]) return false;
    return true;
  }
}

/** A fixed 32-bit mix of the member number (splitmix32-style finaliser). */
export function memberHash(member: number): number {
  let x = Math.imul(member + 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Mixes a second 32-bit hash into a first, order-sensitively. */
export function combineHashes(first: number, second: number): number {
  return (Math.imul(first ^ (second >>> 0), 0x27d4eb2d) ^ ((first >>> 15) + second)) >>> 0;
}

/** FNV-1a over a string: cheap, and good enough to spread memoization buckets. */
export function stringHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
