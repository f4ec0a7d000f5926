/**
 * A small registry that serves whatever a test hands it, on 127.0.0.1: hand-made manifests, indexes and blobs,
 * byte for byte, including what no real registry would accept on push (malformed digests, absurd sizes,
 * configs that do not match their layers). Everything a test does not set up answers 404 in the registry's
 * error format. It records every request with its headers, so a test can see where a client went and what it
 * sent there (e.g. `Authorization` on a path it had no business asking for).
 *
 * Use the real registry (`startRegistry`) and the fault proxy for everything they can express; this one is for
 * documents a real registry refuses to store.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { BuiltImage } from './image-builder.js';

/** What a hostile registry saw of one request. */
export interface HostileRequest {
  method: string;
  /** Path and query as received (dot segments already resolved by the client, if it resolved them). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A fixed answer: status (default 200), headers and body. */
export interface HostileAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

/** An answer computed per request; it must end (or destroy) the response. */
export type HostileHandler = (request: HostileRequest, res: ServerResponse) => void | Promise<void>;

export interface HostileBlobOptions {
  /** Answer 200 with the whole blob to a `Range` request, as some servers and CDNs do. */
  ignoreRange?: boolean;
}

export interface HostileRegistry {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  port: number;
  /** Every request so far, in order. */
  requests: HostileRequest[];
  /**
   * Serves `bytes` at `/v2/<repository>/blobs/<digest>` (GET and HEAD, with `Range` unless told to ignore it).
   * `digest` defaults to the bytes' sha256; pass another to serve bytes under a digest they do not have.
   * Returns the digest.
   */
  addBlob(
    repository: string,
    bytes: Uint8Array | string,
    options?: HostileBlobOptions & { digest?: string },
  ): string;
  /**
   * Serves a manifest or index at `/v2/<repository>/manifests/<reference>` and at its own digest, with the
   * media type as `Content-Type` and its digest as `Docker-Content-Digest`. A document object is serialised as
   * JSON. Returns the digest of the bytes served.
   */
  addManifest(repository: string, reference: string, document: unknown, mediaType: string): string;
  /**
   * Serves a kit-built image as a real registry would (every blob of its layout, its index or manifest at
   * `tag`, each manifest at its digest), as a base for the one document a test then replaces or breaks.
   */
  addImage(repository: string, tag: string, image: BuiltImage, options?: HostileBlobOptions): Promise<void>;
  /** Answers every request whose path (query included) is exactly `path`. */
  route(path: string, answer: HostileAnswer | HostileHandler): void;
  stop(): Promise<void>;
}

/** `sha256:<hex>` of some bytes. */
export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function notFound(res: ServerResponse, code: string): void {
  const body = JSON.stringify({ errors: [{ code, message: 'not served by the hostile registry' }] });
  res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function answerWith(res: ServerResponse, method: string, answer: HostileAnswer): void {
  const body = answer.body === undefined ? Buffer.alloc(0) : Buffer.from(answer.body);
  res.writeHead(answer.status ?? 200, { 'content-length': String(body.length), ...answer.headers });
  res.end(method === 'HEAD' ? undefined : body);
}

function serveBlob(
  request: HostileRequest,
  res: ServerResponse,
  bytes: Buffer,
  digest: string,
  options: HostileBlobOptions,
): void {
  const range = /^bytes=(\d+)-(\d*)$/.exec(String(request.headers.range ?? ''));
  const common = { 'content-type': 'application/octet-stream', 'docker-content-digest': digest };
  if (!range || options.ignoreRange) {
    answerWith(res, request.method, { headers: common, body: bytes });
    return;
  }
  const start = Number(range[1]);
  const end = range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
  if (start >= bytes.length || end < start) {
    answerWith(res, request.method, { status: 416, headers: { 'content-range': `bytes */${bytes.length}` } });
    return;
  }
  answerWith(res, request.method, {
    status: 206,
    headers: { ...common, 'content-range': `bytes ${start}-${end}/${bytes.length}` },
    body: bytes.subarray(start, end + 1),
  });
}

/** Starts a hostile registry on 127.0.0.1 (a free port). */
export async function startHostileRegistry(): Promise<HostileRegistry> {
  const requests: HostileRequest[] = [];
  const routes = new Map<string, HostileAnswer | HostileHandler>();
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const request: HostileRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: { ...req.headers },
    };
    requests.push(request);
    req.resume();
    const route = routes.get(request.path);
    if (typeof route === 'function') return route(request, res);
    if (route) return answerWith(res, request.method, route);
    if (request.path === '/v2/' || request.path === '/v2') {
      return answerWith(res, request.method, {
        headers: { 'docker-distribution-api-version': 'registry/2.0', 'content-type': 'application/json' },
        body: '{}',
      });
    }
    return notFound(res, request.path.includes('/blobs/') ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN');
  };

  const server = createServer((req, res) => {
    Promise.resolve(handle(req, res)).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const registry: HostileRegistry = {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    requests,
    addBlob(repository, content, options = {}) {
      const bytes = Buffer.from(content);
      const digest = options.digest ?? sha256Digest(bytes);
      routes.set(`/v2/${repository}/blobs/${digest}`, (request, res) =>
        serveBlob(request, res, bytes, digest, options),
      );
      return digest;
    },
    addManifest(repository, reference, document, mediaType) {
      const bytes = Buffer.from(
        typeof document === 'string' || document instanceof Uint8Array ? document : JSON.stringify(document),
      );
      const digest = sha256Digest(bytes);
      const answer: HostileAnswer = {
        headers: { 'content-type': mediaType, 'docker-content-digest': digest },
        body: bytes,
      };
      routes.set(`/v2/${repository}/manifests/${reference}`, answer);
      routes.set(`/v2/${repository}/manifests/${digest}`, answer);
      return digest;
    },
    async addImage(repository, tag, image, options = {}) {
      const blobs = join(image.layoutDir, 'blobs', 'sha256');
      for (const name of await readdir(blobs)) {
        registry.addBlob(repository, await readFile(join(blobs, name)), options);
      }
      for (const manifest of image.manifests) {
        const bytes = await readFile(join(blobs, manifest.digest.slice('sha256:'.length)));
        registry.addManifest(repository, manifest.digest, bytes, manifest.mediaType);
      }
      const top = await readFile(join(blobs, image.digest.slice('sha256:'.length)));
      registry.addManifest(repository, tag, top, image.mediaType);
    },
    route(path, answer) {
      routes.set(path, answer);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return registry;
}
