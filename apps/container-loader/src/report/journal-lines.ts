import { printable } from './printable.js';
import type { ImageResult, LoadReport } from './result.js';

/** Longest reason a line shows; the JSON report keeps the whole (bounded) reason. */
const MAX_REASON = 1000;

/**
 * One plain line per image, for the journal (systemd adds time and unit): the outcome first, so
 * `journalctl -u container-loader | grep ^failed` finds the failures. Every piece of outside text (file names,
 * image names, reasons quoting list lines or engine output) is made {@link printable}: one line, no control
 * characters, bounded length.
 */
export function resultLine(result: ImageResult, engine: string): string {
  const file = printable(result.file);
  const where = result.line !== undefined ? `${file} (line ${result.line})` : file;
  if (result.status === 'failed') {
    const reason = printable(result.reason ?? 'unknown error', MAX_REASON);
    // The code stays last (scripts match it); the JSON report carries a failed image's SBOM too.
    return `failed ${where}${names(result)}: ${reason} [${printable(result.code ?? 'ERROR')}]`;
  }
  const images = (result.images ?? [])
    .map((image) => {
      const fresh = image.newDigest ? ', new digest: layers compressed for the registry' : '';
      const kind = engine === 'registry' ? 'digest' : 'image';
      return `${printable(image.target)} (${kind} ${printable(image.digest)}${fresh})`;
    })
    .join(', ');
  if (result.status === 'skipped')
    return `skipped ${where}: already in ${engine} as ${images}${sbom(result)}`;
  const deleted = result.deleted ? '; archive deleted' : '';
  return `loaded ${where} into ${engine}: ${images} in ${result.seconds.toFixed(2)} s${deleted}${sbom(result)}`;
}

export function summaryLine(report: LoadReport): string {
  const { loaded, skipped, failed } = report.summary;
  const none = report.results.length === 0 ? ' (nothing to load)' : '';
  return `container-loader: ${loaded} loaded, ${skipped} skipped, ${failed} failed into ${report.engine} from ${printable(report.source, MAX_REASON)}${none}`;
}

/** `; sbom <path> (<n> packages)`, or `; sbom <path> unreadable: <why>`; nothing without an SBOM. */
function sbom(result: ImageResult): string {
  if (!result.sbom) return '';
  const path = printable(result.sbom.path, MAX_REASON);
  if (result.sbom.unreadable !== undefined)
    return `; sbom ${path} unreadable: ${printable(result.sbom.unreadable)}`;
  const count = result.sbom.packages ?? 0;
  return `; sbom ${path} (${count} package${count === 1 ? '' : 's'})`;
}

function names(result: ImageResult): string {
  return result.names.length > 0 ? ` (${result.names.map((name) => printable(name)).join(', ')})` : '';
}
