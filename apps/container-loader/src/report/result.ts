import type { EngineName } from '../config/settings.js';
import type { LoadedImage } from '../engines/engine.js';
import type { ImageSbom } from '../inputs/sbom-file.js';

/** The end of one image's run: loaded, already present (skipped), or failed. */
export type ImageStatus = 'loaded' | 'skipped' | 'failed';

/** What happened to one archive (one image.list line, or one scanned file). */
export interface ImageResult {
  status: ImageStatus;
  /** The file as listed / found. */
  file: string;
  /** Absolute path of the archive. */
  archive: string;
  /** Fully qualified names the engine must hold (empty when the archive could not be read for them). */
  names: string[];
  /** image.list line, when the item came from a list. */
  line?: number;
  /** Per name: where it is now and its ID or digest (loaded and skipped). */
  images?: LoadedImage[];
  /** Why it was skipped (`present`: the engine already had every name). */
  skipReason?: 'present';
  /** Stable code and one-line reason of a failure. */
  code?: string;
  reason?: string;
  /** `--delete-after-load` removed the archive (only after the load was confirmed). */
  deleted?: boolean;
  /**
   * The image's SBOM when one is shipped with it (`<archive>.cdx.json`, `<name>:<tag>.cdx.json` beside it, or
   * the package's `sbom/`): its path and OS package count, or why it is unreadable. Never changes `status`.
   */
  sbom?: ImageSbom;
  seconds: number;
}

/** The whole run, as `--json` prints it. */
export interface LoadReport {
  engine: EngineName;
  /** Where the items came from: `list:<file>` or `scan:<dir>`. */
  source: string;
  results: ImageResult[];
  summary: { loaded: number; skipped: number; failed: number };
  ok: boolean;
}

export function summarize(results: readonly ImageResult[]): LoadReport['summary'] {
  const count = (status: ImageStatus) => results.filter((r) => r.status === status).length;
  return { loaded: count('loaded'), skipped: count('skipped'), failed: count('failed') };
}
