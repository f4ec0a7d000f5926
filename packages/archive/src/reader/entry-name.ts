import { posix } from 'node:path';
import { ArchiveError } from '../errors.js';

/**
 * The canonical form of a tar entry name (`./a//b/` -> `a/b`), refusing what could reach outside the
 * extraction directory or confuse other tools: absolute names, `..` components, NUL, backslashes, empty names.
 */
export function normalizeEntryName(name: string, maxLength: number): string {
  const refuse = (why: string): never => {
    throw new ArchiveError('UNSAFE_ENTRY_NAME', `archive entry "${printable(name)}" refused: ${why}`);
  };
  if (name.length > maxLength) refuse(`name longer than ${maxLength} characters`);
  if (name.includes('\0')) refuse('NUL in name');
  if (name.includes('\\')) refuse('backslash in name');
  if (name.startsWith('/')) refuse('absolute path');
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) refuse('".." component');
  if (parts.length === 0) refuse('empty name');
  return parts.join('/');
}

/**
 * Where a link points, as an entry name, refusing targets outside the archive. Symlink targets are relative to
 * the link's directory; hard link targets name another entry from the archive root.
 */
export function resolveLinkTarget(
  entry: string,
  target: string,
  kind: 'symlink' | 'link',
  maxLength: number,
): string {
  const refuse = (why: string): never => {
    throw new ArchiveError(
      'UNSAFE_LINK',
      `archive ${kind} "${printable(entry)}" -> "${printable(target)}" refused: ${why}`,
    );
  };
  if (target.length === 0) refuse('empty target');
  if (target.length > maxLength) refuse(`target longer than ${maxLength} characters`);
  if (target.includes('\0')) refuse('NUL in target');
  if (target.startsWith('/')) refuse('absolute target');
  const joined = kind === 'symlink' ? posix.join(posix.dirname(entry), target) : posix.normalize(target);
  if (joined === '..' || joined.startsWith('../')) refuse('points outside the archive');
  const parts = joined.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0) refuse('points at the archive root');
  return parts.join('/');
}

function printable(text: string): string {
  const shown = text.length > 200 ? `${text.slice(0, 200)}...` : text;
  let result = '';
  for (const c of shown) {
    const code = c.charCodeAt(0);
    result += code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : c;
  }
  return result;
}
