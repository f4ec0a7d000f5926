import { apkInstalledParser } from './apk-installed.js';
import { type CopyrightMemo, copyrightParser } from './dep5-copyright.js';
import { dpkgStatusParser } from './dpkg-status.js';
import { mayMatter, normalizeImagePath, type PathRole, pathRole } from './image-path.js';
import { emptyDelta, type LayerDelta } from './layer-delta.js';
import type { SbomLimits } from './limits.js';
import { osReleaseParser } from './os-release.js';
import type { FileParser } from './parsed-file.js';
import { type TarHeader, TarHeaderReader } from './tar-headers.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

function parserFor(
  role: PathRole,
  limits: SbomLimits,
  size: number,
  copyrights: CopyrightMemo,
): FileParser | undefined {
  switch (role) {
    case 'os-release':
      return osReleaseParser(limits);
    case 'dpkg-status':
    case 'dpkg-status-d':
      return dpkgStatusParser(limits);
    case 'copyright':
      return copyrightParser(limits, { size, memo: copyrights });
    case 'apk-installed':
      return apkInstalledParser(limits);
    default:
      return undefined;
  }
}

/** A layer's uncompressed tar scanned synchronously, chunk by chunk, into its {@link LayerDelta}. */
export class LayerScan {
  readonly delta = emptyDelta();
  readonly #reader: TarHeaderReader;
  readonly #copyrights: CopyrightMemo = new Map();
  /** The file of interest being read: where it is, its parser, whether the parser still wants bytes. */
  #path = '';
  #parser: FileParser | undefined;
  #wanted = false;

  constructor(limits: SbomLimits) {
    // One data function for every file read (not one per file): the reader's call to it then has one target,
    // which V8 keeps in the reader's optimized code instead of throwing that code away at the next file.
    const feed = (chunk: Buffer) => {
      if (this.#wanted) this.#wanted = (this.#parser as FileParser).push(chunk);
    };
    this.#reader = new TarHeaderReader(
      (header) => {
        const read = handleEntry(this.delta, header, limits, this.#copyrights);
        if (!read) return undefined;
        this.#path = read.path;
        this.#parser = read.parser;
        this.#wanted = true;
        return feed;
      },
      {
        wants: mayMatter,
        onEntryEnd: () => {
          const parser = this.#parser;
          if (!parser) return;
          this.#parser = undefined;
          this.#wanted = false;
          this.delta.entries.set(this.#path, { kind: 'file', parsed: parser.end() });
        },
      },
    );
  }

  /** Whether the tar's end block was seen: what follows is padding and need not be fed. */
  get done(): boolean {
    return this.#reader.done;
  }

  /** Feeds bytes; throws a TarFormatError on data that is not a tar. */
  push(chunk: Buffer): void {
    if (!this.#reader.done) this.#reader.push(chunk);
  }

  /** Ends the input; throws when it ended inside an entry. */
  end(): LayerDelta {
    this.#reader.end();
    return this.delta;
  }
}

/**
 * Reads one layer's uncompressed tar as it streams and keeps its {@link LayerDelta}. Files of interest are
 * parsed on the way; everything else is skipped by counting bytes (no stream per entry: a layer of thousands
 * of files costs little more than its bytes passing by). Stops consuming at the end-of-archive block.
 */
export async function scanLayerTar(
  tar: NodeJS.ReadableStream,
  limits: SbomLimits,
  signal?: AbortSignal,
): Promise<LayerDelta> {
  const scan = new LayerScan(limits);
  for await (const chunk of tar as AsyncIterable<Buffer>) {
    signal?.throwIfAborted();
    scan.push(chunk);
    if (scan.done) return scan.delta;
  }
  return scan.end();
}

/**
 * An entry whose name {@link mayMatter}: what it changes in the delta; for a file of interest, its path and
 * the parser for its data (the caller records the file when its data has been read).
 */
function handleEntry(
  delta: LayerDelta,
  header: TarHeader,
  limits: SbomLimits,
  copyrights: CopyrightMemo,
): { path: string; parser: FileParser } | undefined {
  const path = normalizeImagePath(header.name);
  const slash = path.lastIndexOf('/');
  const dir = slash === -1 ? '' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (base.startsWith(WHITEOUT)) {
    if (base === OPAQUE) {
      if (pathRole(dir)) delta.opaqueDirs.push(dir);
    } else {
      const removed = dir ? `${dir}/${base.slice(WHITEOUT.length)}` : base.slice(WHITEOUT.length);
      if (pathRole(removed)) delta.whiteouts.push(removed);
    }
    return undefined;
  }
  const role = pathRole(path);
  if (!role) return undefined;
  switch (header.type) {
    case 'directory':
      delta.entries.set(path, { kind: 'dir' });
      return undefined;
    case 'symlink':
      delta.entries.set(path, { kind: 'symlink', target: header.linkname });
      return undefined;
    case 'link': {
      // A hard link shares its target's content, which this layer already passed (tar order).
      const target = delta.entries.get(normalizeImagePath(header.linkname));
      if (target?.kind === 'file' && target.parsed) delta.entries.set(path, target);
      else {
        delta.entries.set(path, { kind: 'file' });
        if (role !== 'ancestor')
          delta.problems.push(`/${path} is a hard link to /${header.linkname} that was not read`);
      }
      return undefined;
    }
    case 'file': {
      const parser = parserFor(role, limits, header.size, copyrights);
      if (!parser) {
        delta.entries.set(path, { kind: 'file' });
        return undefined;
      }
      return { path, parser };
    }
    default:
      return undefined;
  }
}
