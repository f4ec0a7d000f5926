/**
 * The distribution reference grammar (github.com/distribution/reference, regexp.go), as anchored regular
 * expressions. Internal to the reference folder.
 */

const alphanumeric = '[a-z0-9]+';
/** `[._]`, `__`, or one or more dashes between alphanumerics. */
const separator = '(?:[._]|__|-+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6address = '\\[[a-fA-F0-9:]+\\]';
const host = `(?:${domainName}|${ipv6address})`;

export const PATH_COMPONENT = new RegExp(`^${pathComponent}$`);
export const DOMAIN = new RegExp(`^${host}(?::[0-9]+)?$`);
export const TAG = /^[\w][\w.-]{0,127}$/;

/** Longest repository path (without the registry) distribution/reference allows. */
export const NAME_TOTAL_LENGTH_MAX = 255;

/** Whether `tag` follows the tag grammar `[\w][\w.-]{0,127}`. */
export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}
