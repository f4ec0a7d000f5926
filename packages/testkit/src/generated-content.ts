/**
 * Deterministic file content that compresses like real data: a seeded PRNG drives text made of
 * words and numbers (compresses ~3-4x, like docs and config files) and structured binary records
 * (compresses ~2x, like object files). Neither zeros (compress to nothing) nor pure noise.
 */

/** sfc32: small, fast, good enough for fixtures; fully determined by the seed. */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }
  /** Uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }
}

/** Mixes several integers into one 32-bit seed (FNV-1a over their bytes). */
export function mixSeed(...parts: Array<number | string>): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const text = String(part);
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    hash ^= 0x2f;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const words = (
  'the of and to in is for that on with as by this be are from or at an it not package version ' +
  'debian linux kernel image layer registry manifest digest archive build system device board ' +
  'config file path user root service network mount boot install update release source binary ' +
  'library module driver firmware partition filesystem container runtime platform arch amd64 arm64 ' +
  'armhf armel i386 option value default enable disable error warning info debug start stop ' +
  'load save read write copy move link create remove check verify sign hash compress gzip zstd ' +
  'tar index blob token auth proxy mirror cache retry timeout stream buffer chunk offset size'
)
  .split(' ')
  .map((word) => Buffer.from(word));

const punctuation = [Buffer.from(' '), Buffer.from(', '), Buffer.from('. '), Buffer.from('\n')];

/** `size` bytes of word-and-number text. */
export function generateText(random: SeededRandom, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  while (at < size) {
    const roll = random.below(16);
    const piece =
      roll === 0 ? Buffer.from(String(random.below(100_000))) : (words[random.below(words.length)] as Buffer);
    at += piece.copy(out, at);
    if (at >= size) break;
    const sep = random.below(24);
    at += (punctuation[sep < 18 ? 0 : sep < 20 ? 1 : sep < 22 ? 2 : 3] as Buffer).copy(out, at);
  }
  return out;
}

/** `size` bytes of fixed-width binary records: small counters, flags, some noise. */
export function generateRecords(random: SeededRandom, size: number): Buffer {
  const out = Buffer.alloc(size);
  let counter = random.below(1000);
  for (let at = 0; at + 16 <= size; at += 16) {
    counter += 1 + random.below(4);
    out.writeUInt32LE(counter, at);
    out.writeUInt16LE(random.below(8) * 0x100, at + 4);
    out.writeUInt16LE(0x7f45, at + 6);
    out.writeUInt32LE(random.next(), at + 8);
    out.writeUInt32LE(random.below(3) === 0 ? random.next() : 0, at + 12);
  }
  return out;
}
