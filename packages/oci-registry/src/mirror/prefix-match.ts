/**
 * Where a registries.conf `prefix` stops matching a reference string (`host[:port]/path[:tag][@digest]`), or -1
 * when it does not match, as containers/image decides:
 * - `host[:port][/path][:tag|@digest]`: the whole reference, or a leading part followed by `/`, `@`, or `:`
 *   when the prefix has a path (then `:` starts a tag). Unlike containers/image (which calls it a FIXME),
 *   `example.com` does not match `example.com:5000/...`: a port names another registry.
 * - `*.domain`: the host, port left out, is a subdomain of `domain`; the match ends where the host name ends
 *   (before `:port`), so `*.corp.example` matches `build.corp.example:5000/app`.
 */
export function prefixMatchEnd(ref: string, prefix: string): number {
  if (prefix.startsWith('*.')) return subdomainMatchEnd(ref, prefix.slice(1));
  if (ref === prefix) return prefix.length;
  if (prefix === '' || !ref.startsWith(prefix)) return -1;
  const next = ref[prefix.length];
  if (next === '/' || next === '@') return prefix.length;
  if (next === ':' && prefix.includes('/')) return prefix.length;
  return -1;
}

/** `suffix` is `.domain`: it must end the host name, and the host must have a label before it. */
function subdomainMatchEnd(ref: string, suffix: string): number {
  const index = ref.indexOf(suffix);
  if (index <= 0 || ref.slice(0, index).includes('/')) return -1;
  const end = index + suffix.length;
  if (end === ref.length) return end;
  const next = ref[end];
  return next === ':' || next === '/' || next === '@' ? end : -1;
}
