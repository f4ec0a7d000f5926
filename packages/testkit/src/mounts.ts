/** Mount points below a directory (docker leaves netns/shm mounts behind when killed). */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Mount points at or below any of `dirs`, deepest first (the order to unmount them). */
export function mountsBelow(dirs: string[]): string[] {
  let table: string;
  try {
    table = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return [];
  }
  const points = table
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((point): point is string => point !== undefined)
    // /proc/self/mounts escapes spaces and friends as octal
    .map((point) =>
      point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8))),
    )
    .filter((point) => dirs.some((dir) => point === dir || point.startsWith(`${dir}/`)));
  return points.sort((a, b) => b.length - a.length);
}

/** Lazily unmounts everything below `dirs` (synchronous: also usable from an exit handler). */
export function unmountBelow(dirs: string[]): void {
  for (const point of mountsBelow(dirs)) spawnSync('umount', ['-l', point], { stdio: 'ignore' });
}
