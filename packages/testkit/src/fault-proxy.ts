/**
 * An HTTP reverse proxy in front of a registry that injects the failures clients must survive:
 * connection resets mid-body, delays, corrupted bytes, 429/5xx answers (with Retry-After) and
 * blob redirects to another host. It records every request (with headers) so tests can count
 * retries, check Range headers and see whether Authorization was sent. A fake only in the faults:
 * everything else is the real registry's answer, streamed through.
 */
import { once } from 'node:events';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a fault plan entry's `match` sees of a request. */
export interface FaultMatchRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export type FaultPlan = { match?: (req: FaultMatchRequest) => boolean } & (
  | { kind: 'reset-after-bytes'; bytes: number; times?: number }
  /** Sends the first `bytes` of the body, then nothing more, keeping the connection open (a stalled server). */
  | { kind: 'stall-after-bytes'; bytes: number; times?: number }
  | { kind: 'delay'; ms: number; times?: number }
  | { kind: 'corrupt-byte'; offset: number; times?: number }
  | {
      kind: 'status';
      status: 404 | 429 | 500 | 502 | 503 | 408 | 504;
      retryAfter?: number;
      times?: number;
      body?: string;
    }
  | { kind: 'redirect-blobs'; to: string; times?: number }
  /**
   * Removes a header from the client's request before it reaches the registry: dropping `range` makes the
   * registry answer 200 with the whole blob, as a server or CDN that ignores `Range` does.
   */
  | { kind: 'drop-request-header'; header: string; times?: number }
  /** Removes a header from the registry's answers (a registry or proxy that omits Docker-Content-Digest). */
  | { kind: 'drop-response-header'; header: string; times?: number }
  /** Sets (or replaces) a header of the registry's answers, e.g. a schema-1 Content-Type. */
  | { kind: 'set-response-header'; header: string; value: string; times?: number }
  /**
   * Limits the answers' bodies to `bytesPerSecond` for all connections together (one shared line, as a
   * remote registry's bandwidth is): a registry at internet speed.
   */
  | { kind: 'throttle'; bytesPerSecond: number; times?: number }
);

export interface ProxiedRequest {
  method: string;
  /** Request path with query string, as received. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Status answered to the client (set once the answer starts). */
  status?: number;
  /** The fault applied to this request, if any. */
  fault?: FaultPlan['kind'];
}

export interface FaultProxy {
  /** 'http://127.0.0.1:PORT' */
  url: string;
  host: string;
  port: number;
  requests: ProxiedRequest[];
  /** How often each plan entry has fired, by index. */
  applied: number[];
  /** When the last body byte of a throttled answer was handed to the client (`Date.now()`), if any. */
  readonly lastThrottledByteAt: number | undefined;
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  /** CA to trust when the target is an HTTPS kit registry. */
  ca?: string;
}

const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);
const blobPath = /^\/v2\/.+\/blobs\/sha256:[0-9a-f]{64}(\?.*)?$/;
const statusCodes: Record<number, string> = {
  404: 'BLOB_UNKNOWN',
  408: 'TIMEOUT',
  429: 'TOOMANYREQUESTS',
  500: 'UNKNOWN',
  502: 'BADGATEWAY',
  503: 'UNAVAILABLE',
  504: 'TIMEOUT',
};

function forwardHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!hopByHop.has(name)) out[name] = value;
  return out;
}

/** One line shared by every throttled answer: each chunk waits for its turn at `bytesPerSecond`. */
class SharedLine {
  #nextFree = 0;
  lastByteAt: number | undefined;
  constructor(readonly bytesPerSecond: number) {}

  /** Resolves when `bytes` may go out; reserves the line for them. */
  async take(bytes: number): Promise<void> {
    const now = performance.now();
    const start = Math.max(now, this.#nextFree);
    this.#nextFree = start + (bytes / this.bytesPerSecond) * 1000;
    // The chunk leaves when its share of the line has passed, not before.
    const wait = this.#nextFree - now;
    if (wait > 1) await sleep(wait);
  }
}

class Throttle extends Transform {
  constructor(private readonly line: SharedLine) {
    super({ highWaterMark: 64 << 10 });
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // Small pieces keep connections interleaved fairly on the shared line.
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < chunk.length; offset += 64 << 10)
      pieces.push(chunk.subarray(offset, offset + (64 << 10)));
    const next = async () => {
      for (const piece of pieces) {
        await this.line.take(piece.length);
        this.push(piece);
        this.line.lastByteAt = Date.now();
      }
    };
    next().then(() => callback(), callback);
  }
}

/** Flips the byte at body offset `offset` (XOR 0xff) as it streams past. */
class ByteCorrupter extends Transform {
  private seen = 0;
  corrupted = false;
  constructor(private readonly offset: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const at = this.offset - this.seen;
    this.seen += chunk.length;
    if (at >= 0 && at < chunk.length) {
      const copy = Buffer.from(chunk);
      copy[at] = (copy[at] as number) ^ 0xff;
      this.corrupted = true;
      callback(null, copy);
      return;
    }
    callback(null, chunk);
  }
}

export async function faultProxy(
  targetUrl: string,
  plan: FaultPlan | FaultPlan[],
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const plans = Array.isArray(plan) ? plan : [plan];
  const applied = plans.map(() => 0);
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const lines = new Map<number, SharedLine>();
  const lineOf = (index: number, bytesPerSecond: number) => {
    let line = lines.get(index);
    if (!line) {
      line = new SharedLine(bytesPerSecond);
      lines.set(index, line);
    }
    return line;
  };
  const count = (index: number) => {
    applied[index] = (applied[index] ?? 0) + 1;
  };

  /** Plan entries that match this request and have uses left, with their index. */
  const active = (record: ProxiedRequest) =>
    plans
      .map((entry, index) => ({ entry, index }))
      .filter(
        ({ entry, index }) =>
          (entry.times === undefined || (applied[index] ?? 0) < entry.times) &&
          (entry.match?.({ method: record.method, path: record.path, headers: record.headers }) ?? true),
      );

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const record: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: { ...req.headers },
    };
    requests.push(record);
    const faults = active(record);

    for (const { entry, index } of faults) {
      if (entry.kind === 'delay') {
        count(index);
        await sleep(entry.ms);
      } else if (entry.kind === 'status') {
        count(index);
        record.fault = 'status';
        record.status = entry.status;
        const body =
          entry.body ??
          JSON.stringify({
            errors: [{ code: statusCodes[entry.status] ?? 'UNKNOWN', message: `injected ${entry.status}` }],
          });
        res.writeHead(entry.status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(entry.retryAfter !== undefined && { 'retry-after': String(entry.retryAfter) }),
        });
        req.resume();
        res.end(body);
        return;
      } else if (entry.kind === 'redirect-blobs' && (record.method === 'GET' || record.method === 'HEAD')) {
        if (!blobPath.test(record.path)) continue;
        count(index);
        record.fault = 'redirect-blobs';
        record.status = 307;
        req.resume();
        res.writeHead(307, { location: `${entry.to.replace(/\/$/, '')}${record.path}`, 'content-length': 0 });
        res.end();
        return;
      }
    }

    const upstreamHeaders = forwardHeaders(req.headers);
    for (const { entry, index } of faults) {
      if (entry.kind !== 'drop-request-header') continue;
      const name = entry.header.toLowerCase();
      if (!(name in upstreamHeaders)) continue;
      delete upstreamHeaders[name];
      count(index);
      record.fault = entry.kind;
    }

    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const upstreamReq = send({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: record.method,
      path: record.path,
      // The client's Host header is kept, so Location headers the registry builds point at the proxy.
      headers: upstreamHeaders,
      ca: options.ca,
      agent: false,
    });
    res.once('close', () => upstreamReq.destroy());
    const responded = once(upstreamReq, 'response') as Promise<[IncomingMessage]>;
    // When the client goes away while its request is forwarded, the pipeline below throws first and this
    // promise rejects with nobody waiting for it: an unhandled rejection in the test process.
    responded.catch(() => {});
    await pipeline(req, upstreamReq);
    const [upstreamRes] = await responded;
    record.status = upstreamRes.statusCode ?? 502;
    const headers = forwardHeaders(upstreamRes.headers);
    for (const { entry, index } of faults) {
      if (entry.kind === 'drop-response-header') {
        const name = entry.header.toLowerCase();
        if (!(name in headers)) continue;
        delete headers[name];
      } else if (entry.kind === 'set-response-header') {
        headers[entry.header.toLowerCase()] = entry.value;
      } else {
        continue;
      }
      count(index);
      record.fault = entry.kind;
    }
    res.writeHead(record.status, headers);

    const stall = faults.find(({ entry }) => entry.kind === 'stall-after-bytes');
    if (stall && stall.entry.kind === 'stall-after-bytes') {
      count(stall.index);
      record.fault = 'stall-after-bytes';
      await forwardThenStall(upstreamRes, res, stall.entry.bytes);
      return;
    }
    const reset = faults.find(({ entry }) => entry.kind === 'reset-after-bytes');
    const corrupt = faults.find(({ entry }) => entry.kind === 'corrupt-byte');
    if (reset && reset.entry.kind === 'reset-after-bytes') {
      if (await forwardThenReset(upstreamRes, res, reset.entry.bytes)) {
        count(reset.index);
        record.fault = 'reset-after-bytes';
      }
      return;
    }
    if (corrupt && corrupt.entry.kind === 'corrupt-byte') {
      const corrupter = new ByteCorrupter(corrupt.entry.offset);
      await pipeline(upstreamRes, corrupter, res);
      if (corrupter.corrupted) {
        count(corrupt.index);
        record.fault = 'corrupt-byte';
      }
      return;
    }
    const throttle = faults.find(({ entry }) => entry.kind === 'throttle');
    if (throttle && throttle.entry.kind === 'throttle') {
      count(throttle.index);
      record.fault = 'throttle';
      await pipeline(upstreamRes, new Throttle(lineOf(throttle.index, throttle.entry.bytesPerSecond)), res);
      return;
    }
    await pipeline(upstreamRes, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // the client or the target went away: drop the connection like a broken network would
      if (!res.headersSent) {
        res.writeHead(502);
        res.end();
      } else {
        res.destroy();
      }
    });
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
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    requests,
    applied,
    get lastThrottledByteAt() {
      const times = [...lines.values()].map((line) => line.lastByteAt ?? 0);
      return times.length > 0 && Math.max(...times) > 0 ? Math.max(...times) : undefined;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Streams the first `limit` body bytes, then resets the TCP connection (RST, not a clean close).
 * Resolves true when it cut the body, false when the body was shorter and went through whole.
 */
/** Forwards `limit` body bytes, then holds the connection open, sending nothing, until the client leaves. */
async function forwardThenStall(
  upstream: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<void> {
  let sent = 0;
  for await (const chunk of upstream as AsyncIterable<Buffer>) {
    const part = chunk.subarray(0, Math.max(0, limit - sent));
    if (part.length > 0 && !res.write(part)) await once(res, 'drain');
    sent += part.length;
    if (sent >= limit) break;
  }
  upstream.destroy();
  if (!res.destroyed) await once(res, 'close');
}

async function forwardThenReset(
  upstream: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<boolean> {
  let sent = 0;
  for await (const chunk of upstream as AsyncIterable<Buffer>) {
    const room = limit - sent;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length > 0 && !res.write(part)) await once(res, 'drain');
    sent += part.length;
    if (chunk.length > room) {
      upstream.destroy();
      // let the partial bytes reach the client before the reset
      await new Promise<void>((resolve) => res.write('', () => resolve()));
      await sleep(20);
      res.socket?.resetAndDestroy();
      return true;
    }
  }
  res.end();
  return false;
}
