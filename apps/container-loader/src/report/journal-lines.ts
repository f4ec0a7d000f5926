import type { ImageResult, LoadReport } from './result.js';

/**
 * One plain line per image, for the journal (systemd adds time and unit): the outcome first, so
 * `journalctl -u container-loader | grep ^failed` finds the failures.
 */
export function resultLine(result: ImageResult, engine: string): string {
  const where = result.line !== undefined ? `${result.file} (line ${result.line})` : result.file;
  if (result.status === 'failed') {
    return `failed ${where}${names(result)}: ${result.reason ?? 'unknown error'} [${result.code ?? 'ERROR'}]`;
  }
  const images = (result.images ?? [])
    .map((image) => {
      const fresh = image.newDigest ? ', new digest: layers compressed for the registry' : '';
      return `${image.target} (${engine === 'registry' ? 'digest' : 'image'} ${image.digest}${fresh})`;
    })
    .join(', ');
  if (result.status === 'skipped') return `skipped ${where}: already in ${engine} as ${images}`;
  const deleted = result.deleted ? '; archive deleted' : '';
  return `loaded ${where} into ${engine}: ${images} in ${result.seconds.toFixed(2)} s${deleted}`;
}

export function summaryLine(report: LoadReport): string {
  const { loaded, skipped, failed } = report.summary;
  const none = report.results.length === 0 ? ' (nothing to load)' : '';
  return `container-loader: ${loaded} loaded, ${skipped} skipped, ${failed} failed into ${report.engine} from ${report.source}${none}`;
}

function names(result: ImageResult): string {
  return result.names.length > 0 ? ` (${result.names.join(', ')})` : '';
}
