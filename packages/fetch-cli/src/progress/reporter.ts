import type { FetchProgress } from '@isar/fetch-core';
import { formatBytes } from './format.js';

/** Where a command's progress goes: the pipeline's events in, stderr out. */
export interface ProgressReporter {
  onProgress(event: FetchProgress): void;
  /** A line that must be seen whatever the mode (warnings): printed above live bars, or plainly. */
  note(line: string): void;
  /** Final state drawn, timers stopped; nothing is written after this. */
  close(): void;
}

/**
 * `--quiet`: no progress, only notes, and a wait for a lock held by someone else (a silent wait looks like a
 * hang to whoever runs us, bitbake included).
 */
export function quietReporter(
  out: { write(chunk: string): unknown },
  prefix: string,
  { notes = true }: { notes?: boolean } = {},
): ProgressReporter {
  return {
    onProgress(event) {
      if (event.type === 'waiting') out.write(`${prefix}${describeWait(event)}\n`);
    },
    note: (line) => {
      if (notes) out.write(`${prefix}${line}\n`);
    },
    close() {},
  };
}

/** The one-line story of the events that are not byte counts (shared by the bar and line renderers). */
export function describeEvent(event: FetchProgress): string | undefined {
  switch (event.type) {
    case 'hit':
      return `up to date: ${event.path}`;
    case 'waiting':
      return describeWait(event);
    case 'resolved':
      return `resolved ${event.reference}`;
    case 'image':
      return `${event.platform}: manifest ${event.manifestDigest}, ${event.layers.length} layer${event.layers.length === 1 ? '' : 's'}, ${formatBytes(event.layers.reduce((s, l) => s + l.size, 0))}`;
    case 'cache-evicted':
      return `${event.digests.length} cached blob(s) failed verification and are downloaded again`;
    case 'published':
      return `wrote ${event.path} (${formatBytes(event.bytes)})`;
    default:
      return undefined;
  }
}

/** Who holds the lock we wait for, and what happens next. */
export function describeWait(event: Extract<FetchProgress, { type: 'waiting' }>): string {
  const seconds = Math.round(event.waitedMs / 1000);
  const stale = Math.round(event.staleAfterMs / 1000);
  const holder = event.owner
    ? `held by process ${event.owner.pid} on ${event.owner.host}`
    : `${event.foreign}; taken over if nothing refreshes it for ${stale} s`;
  return `waiting ${seconds} s for the lock ${event.path} (${holder}) of ${event.target}`;
}
