/** `sha256:abc...`: what follows `@` when someone wrote a digest into the name instead of `;digest=`. */
export const DIGEST_LIKE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Za-z0-9=_-]*$/;

/**
 * Splits the location part (before the first `;`) at its last `@`, and says whether the part before it is
 * user-info as bitbake reads it (`[^/;]+@`: no `/`) that may hold a secret, rather than `name@digest`.
 */
export function splitAtSign(
  location: string,
): { before: string; after: string; userInfo: boolean } | undefined {
  const at = location.lastIndexOf('@');
  if (at < 0) return undefined;
  const before = location.slice(0, at);
  const after = location.slice(at + 1);
  const userInfo = !before.includes('/') && (before.includes(':') || !DIGEST_LIKE.test(after));
  return { before, after, userInfo };
}

/** bitbake's password parameter (`;pswd=`, as its wget fetcher reads it) and its usual misspellings. */
const PASSWORD_PARAMETER = /(;(?:pswd|passwd|password)=)[^;]*/gi;

/**
 * The URL with any user-info (`user:password@`) replaced by `***@` and the value of a password parameter
 * (`;pswd=...`) by `***`, safe for messages and logs.
 */
export function redactDockerUrl(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^;]*)(.*)$/s.exec(url);
  if (!m) return url;
  const [, scheme = '', location = '', rest = ''] = m;
  const parameters = rest.replace(PASSWORD_PARAMETER, '$1***');
  const split = splitAtSign(location);
  if (!split?.userInfo) return `${scheme}${location}${parameters}`;
  return `${scheme}***@${split.after}${parameters}`;
}
