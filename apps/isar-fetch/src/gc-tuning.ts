import { setFlagsFromString } from 'node:v8';

/** How much V8 lets the old generation grow over what the last full GC kept: 400 % (5 x). */
export const heapGrowingPercent = 400;

const flag = '--heap-growing-percent';

/**
 * Fewer full GCs for the command-line program. A fetch streams gigabytes through short-lived buffers; V8 counts
 * them against an old-generation limit set just above the ~10 MB that stays alive, and ran a mark-compact
 * for every few tens of MB: ~40 per cold fetch of the bench's 779 MB image, ~1 CPU-s on the V8 threads. Letting
 * the limit grow to 5 x what is alive leaves a handful (0.5 CPU-s and ~0.3-0.5 s of wall less, peak RSS within
 * the same band: bench/LIMITS.md). V8 reads this flag at every full GC, so setting it at start-up takes effect.
 * A value the user gave (`node --heap-growing-percent=...`, NODE_OPTIONS) is left alone.
 */
export function tuneGarbageCollector(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
  setFlags: (flags: string) => void = setFlagsFromString,
): boolean {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((arg) =>
    arg.replaceAll('_', '-').startsWith(flag),
  );
  if (given) return false;
  setFlags(`${flag}=${heapGrowingPercent}`);
  return true;
}
