/**
 * The registry token service (Docker "token authentication"), small enough for tests: issues ES256 JWTs
 * whose `x5c` header carries a self-signed certificate that the registry trusts through
 * `auth.token.rootcertbundle`. GET with optional basic credentials (the classic flow) and POST with
 * grant_type=password|refresh_token (the OAuth2 flow, identity tokens) are both served.
 */
import { randomBytes, sign, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSigningCertificate } from './tls-material.js';

export interface TokenRequestRecord {
  method: 'GET' | 'POST';
  /** Authenticated user, or undefined for an anonymous request. */
  account?: string;
  scopes: string[];
  grantType?: string;
  /** The HTTP status answered. */
  status: number;
  /** Actions granted, `repository:name:pull,push` style. */
  granted: string[];
  refreshTokenIssued: boolean;
}

export interface TokenServerOptions {
  dir: string;
  users: Record<string, string>;
  anonymousPull: boolean;
  /** Token lifetime in seconds. */
  expiresIn: number;
  service: string;
  issuer: string;
  /** Serve HTTPS with this certificate (the registry's, when it runs with TLS). */
  tls?: { certPem: string; keyPem: string };
  signal?: AbortSignal;
}

export interface TokenServer {
  url: string;
  realm: string;
  /** PEM bundle to configure as the registry's rootcertbundle. */
  rootCertFile: string;
  requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** `repository:host:5000/a/b:pull,push` -> type, name (may contain ':'), actions. */
function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const signer = await createSigningCertificate(options.dir, options.signal);
  const x5c = [new X509Certificate(signer.certPem).raw.toString('base64')];
  const requests: TokenRequestRecord[] = [];
  const refreshTokens = new Map<string, string>();

  const grant = (account: string | undefined, scopes: string[]): Access[] =>
    scopes.flatMap((scope) => {
      const access = parseScope(scope);
      if (!access) return [];
      const allowed =
        account !== undefined
          ? access.type === 'repository'
            ? ['pull', 'push', 'delete', '*']
            : ['*']
          : options.anonymousPull && access.type === 'repository'
            ? ['pull']
            : [];
      const actions = access.actions.filter((action) => allowed.includes(action));
      return actions.length > 0 ? [{ ...access, actions }] : [];
    });

  const issue = (account: string | undefined, audience: string, access: Access[]) => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c };
    const claims = {
      iss: options.issuer,
      sub: account ?? '',
      aud: audience,
      exp: now + options.expiresIn,
      // Backdated so a registry whose clock is slightly behind accepts it.
      nbf: now - 10,
      iat: now,
      jti: randomBytes(12).toString('hex'),
      access,
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    // JWS ES256 wants the raw r||s signature, not DER.
    const signature = sign('sha256', Buffer.from(input), { key: signer.keyPem, dsaEncoding: 'ieee-p1363' });
    return { token: `${input}.${base64url(signature)}`, issuedAt: new Date(now * 1000).toISOString() };
  };

  const newRefreshToken = (account: string) => {
    const token = randomBytes(24).toString('base64url');
    refreshTokens.set(token, account);
    return token;
  };

  const checkBasic = (header: string | undefined): { account?: string; rejected: boolean } => {
    if (!header?.startsWith('Basic ')) return { rejected: false };
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    if (colon < 0 || options.users[user] === undefined || options.users[user] !== password) {
      return { rejected: true };
    }
    return { account: user, rejected: false };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    if (url.pathname !== '/token') return sendJson(res, 404, { error: 'not_found' });
    const record: TokenRequestRecord = {
      method: req.method === 'POST' ? 'POST' : 'GET',
      scopes: [],
      status: 200,
      granted: [],
      refreshTokenIssued: false,
    };
    requests.push(record);
    const reply = (status: number, body: unknown) => {
      record.status = status;
      sendJson(res, status, body);
    };

    if (req.method === 'GET') {
      record.scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ').filter(Boolean));
      const basic = checkBasic(req.headers.authorization);
      if (basic.rejected)
        return reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
      record.account = basic.account;
      const access = grant(basic.account, record.scopes);
      record.granted = access.map((a) => `${a.type}:${a.name}:${a.actions.join(',')}`);
      const { token, issuedAt } = issue(
        basic.account,
        url.searchParams.get('service') ?? options.service,
        access,
      );
      const refresh =
        basic.account !== undefined && url.searchParams.get('offline_token') === 'true'
          ? newRefreshToken(basic.account)
          : undefined;
      record.refreshTokenIssued = refresh !== undefined;
      return reply(200, {
        token,
        access_token: token,
        expires_in: options.expiresIn,
        issued_at: issuedAt,
        ...(refresh && { refresh_token: refresh }),
      });
    }

    if (req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      record.grantType = form.get('grant_type') ?? undefined;
      record.scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      let account: string | undefined;
      if (record.grantType === 'password') {
        const user = form.get('username') ?? '';
        if (options.users[user] === undefined || options.users[user] !== form.get('password')) {
          return reply(401, { error: 'invalid_grant', error_description: 'bad credentials' });
        }
        account = user;
      } else if (record.grantType === 'refresh_token') {
        account = refreshTokens.get(form.get('refresh_token') ?? '');
        if (account === undefined) {
          return reply(401, { error: 'invalid_grant', error_description: 'unknown refresh token' });
        }
      } else {
        return reply(400, { error: 'unsupported_grant_type' });
      }
      record.account = account;
      const access = grant(account, record.scopes);
      record.granted = access.map((a) => `${a.type}:${a.name}:${a.actions.join(',')}`);
      const { token, issuedAt } = issue(account, form.get('service') ?? options.service, access);
      const refresh =
        record.grantType === 'refresh_token'
          ? (form.get('refresh_token') ?? undefined)
          : form.get('access_type') === 'offline'
            ? newRefreshToken(account)
            : undefined;
      record.refreshTokenIssued = refresh !== undefined && record.grantType === 'password';
      return reply(200, {
        access_token: token,
        expires_in: options.expiresIn,
        issued_at: issuedAt,
        scope: record.scopes.join(' '),
        ...(refresh && { refresh_token: refresh }),
      });
    }
    return reply(405, { error: 'method_not_allowed' });
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) sendJson(res, 500, { error: error.message });
      else res.destroy(error);
    });
  };
  const server = options.tls
    ? createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    url,
    realm: `${url}/token`,
    rootCertFile: signer.certFile,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
