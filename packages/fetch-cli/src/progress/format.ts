/** `123.4 MB`: decimal units, as network tools and docker show sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** `[#########-----------]` of `width` cells. */
export function bar(fraction: number, width = 24): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(clamped * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

/** `sha256:0123456789ab...` -> `0123456789ab`, as docker shows layer ids. */
export function shortDigest(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
}

export function percent(part: number, whole: number): string {
  return whole > 0 ? `${Math.floor((part / whole) * 100)}%` : '100%';
}
