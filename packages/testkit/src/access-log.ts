/**
 * Reads the requests a Distribution registry served from its JSON log. Distribution 2.8 writes one
 * `"msg":"response completed"` (or `"response completed with error"`) line per request with the
 * method, URI, status and bytes written. Requests refused by auth are logged only as
 * `"error authorizing context: ..."` warnings: they become entries with status 401. Request headers
 * (Range, Authorization) are not logged: put a faultProxy in front to see those.
 */
import { readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface AccessLogEntry {
  time: string;
  method: string;
  /** Request URI as sent, with query string. */
  uri: string;
  /** URI path without the query string. */
  path: string;
  status: number;
  /** Response body bytes written (`http.response.written`). */
  bytes?: number;
  userAgent?: string;
  durationMs?: number;
  requestId?: string;
  /** Repository name of /v2/<name>/... requests. */
  repository?: string;
  /** What a /v2/ request addressed. */
  kind: 'base' | 'manifest' | 'blob' | 'upload' | 'tags' | 'catalog' | 'other';
  /** Digest or tag of manifest/blob requests. */
  reference?: string;
}

const v2Path = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.+)$/;
const uploadPath = /^\/v2\/(.+)\/blobs\/uploads\/?(.*)$/;

function classify(path: string): Pick<AccessLogEntry, 'kind' | 'repository' | 'reference'> {
  if (path === '/v2/' || path === '/v2') return { kind: 'base' };
  if (path === '/v2/_catalog') return { kind: 'catalog' };
  const upload = uploadPath.exec(path);
  if (upload) return { kind: 'upload', repository: upload[1] };
  const match = v2Path.exec(path);
  if (!match) return { kind: 'other' };
  const [, repository, section, reference] = match;
  if (section === 'manifests') return { kind: 'manifest', repository, reference };
  if (section === 'blobs') return { kind: 'blob', repository, reference };
  return { kind: 'tags', repository };
}

function parseDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^([\d.]+)(ns|µs|us|ms|s)$/.exec(value);
  if (!match) return undefined;
  const factor = { ns: 1e-6, µs: 1e-3, us: 1e-3, ms: 1, s: 1000 }[
    match[2] as 'ns' | 'µs' | 'us' | 'ms' | 's'
  ];
  return Number(match[1]) * factor;
}

/** Parses the registry's JSON log text into one entry per completed request, in log order. */
export function parseAccessLog(text: string): AccessLogEntry[] {
  const entries: AccessLogEntry[] = [];
  for (const line of text.split('\n')) {
    const completed = line.includes('"msg":"response completed');
    const refused = line.includes('"msg":"error authorizing context');
    if (!line.startsWith('{') || !(completed || refused)) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a line still being written
    }
    const method = record['http.request.method'];
    const uri = record['http.request.uri'];
    if (typeof method !== 'string' || typeof uri !== 'string') continue;
    const path = uri.split('?')[0] ?? uri;
    const written = record['http.response.written'];
    entries.push({
      time: String(record.time ?? ''),
      method,
      uri,
      path,
      status: refused ? 401 : Number(record['http.response.status'] ?? 0),
      bytes: typeof written === 'number' ? written : undefined,
      userAgent: record['http.request.useragent'] as string | undefined,
      durationMs: parseDurationMs(record['http.response.duration']),
      requestId: record['http.request.id'] as string | undefined,
      ...classify(path),
    });
  }
  return entries;
}

/**
 * Reads the log file once its size has stopped changing for `settleMs`: the registry logs a request
 * just after the client got the response, so an immediate read could miss the last one.
 */
export async function readAccessLog(file: string, settleMs = 80): Promise<AccessLogEntry[]> {
  let previous = -1;
  for (let attempt = 0; attempt < 50; attempt++) {
    const { size } = await stat(file);
    if (size === previous) break;
    previous = size;
    await sleep(settleMs);
  }
  return parseAccessLog(await readFile(file, 'utf8'));
}
