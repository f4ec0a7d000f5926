import { RegistryError } from '../errors/registry-error.js';
import { formatReference } from '../reference/format-reference.js';
import { parseReference } from '../reference/parse-reference.js';
import type { Reference } from '../reference/reference.js';
import { prefixMatchEnd } from './prefix-match.js';

/**
 * Rewrites a reference string for a `[[registry]]` (or mirror) `location`, as containers/image does: the part
 * the prefix matched is replaced by `location` (for `*.domain` prefixes, the host name; its port stays), and an
 * empty location leaves the reference alone. The result must be a valid, fully qualified reference: a
 * config that rewrites `example.com/foo@sha256:...` with prefix `example.com/foo` and location `example.com` to
 * `example.com@sha256:...` is refused (`CONFIG`, naming the file and entry) instead of guessing a registry.
 */
export function rewriteReference(ref: string, prefix: string, location: string, where: string): Reference {
  const end = prefixMatchEnd(ref, prefix);
  if (end < 0) {
    throw new RegistryError('CONFIG', `${where}: prefix "${prefix}" does not match ${ref}`);
  }
  const rewritten = location === '' ? ref : location + ref.slice(end);
  let parsed: Reference | undefined;
  try {
    parsed = parseReference(rewritten);
  } catch (error) {
    throw invalid(ref, rewritten, prefix, location, where, error);
  }
  if (formatReference(parsed) !== rewritten) throw invalid(ref, rewritten, prefix, location, where);
  return parsed;
}

function invalid(
  ref: string,
  rewritten: string,
  prefix: string,
  location: string,
  where: string,
  cause?: unknown,
): RegistryError {
  return new RegistryError(
    'CONFIG',
    `${where}: prefix "${prefix}" with location "${location}" rewrites ${ref} to "${rewritten}", ` +
      'which is not a fully qualified image reference',
    cause === undefined ? {} : { cause },
  );
}
