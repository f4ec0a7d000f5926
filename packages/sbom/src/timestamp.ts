/**
 * The SBOM's timestamp from `SOURCE_DATE_EPOCH` (reproducible-builds.org: seconds since the epoch), so that a
 * rebuild gives the same bytes; undefined when it is unset or not a number (then the SBOM has none).
 */
export function timestampFromEnvironment(env: NodeJS.ProcessEnv = process.env): Date | undefined {
  const value = env.SOURCE_DATE_EPOCH?.trim();
  if (!value || !/^\d+$/.test(value)) return undefined;
  const date = new Date(Number(value) * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
