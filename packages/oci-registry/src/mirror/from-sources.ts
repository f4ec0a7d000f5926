import { RegistryError } from '../errors/registry-error.js';
import { abortReason } from '../http/abort.js';
import type { PullSource } from './pull-sources.js';

/**
 * Tries each pull source in order: a failing mirror (down, missing the content, refusing us) hands over to the
 * next one; the primary's error is final. A digest mismatch from the primary is never papered over.
 */
export async function fromSources<T>(
  sources: readonly PullSource[],
  signal: AbortSignal | undefined,
  attempt: (source: PullSource) => Promise<T>,
): Promise<T> {
  let lastError: unknown;
  for (const source of sources) {
    try {
      return await attempt(source);
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      lastError = error;
      if (error instanceof RegistryError && error.code === 'DIGEST_MISMATCH' && !source.mirror) throw error;
    }
  }
  throw lastError;
}
