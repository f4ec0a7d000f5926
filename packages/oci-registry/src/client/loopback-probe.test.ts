import { connect, createServer, type Server, type Socket } from 'node:net';
import { type Registry, startRegistry } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../errors/registry-error.js';
import { parseReference } from '../reference/parse-reference.js';
import { type IsolatedClientEnv, isolatedClientEnv } from '../test-support/client-env.js';

/** A TCP relay on loopback that notes how each connection starts: a TLS handshake (0x16) or plain text. */
interface Relay {
  host: string;
  starts: Array<'tls' | 'plain'>;
  close(): Promise<void>;
}

async function relayTo(port: number): Promise<Relay> {
  const starts: Array<'tls' | 'plain'> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    const upstream = connect(port, '127.0.0.1');
    sockets.add(upstream);
    client.once('data', (first: Buffer) => starts.push(first[0] === 0x16 ? 'tls' : 'plain'));
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    host: `127.0.0.1:${address.port}`,
    starts,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('choosing HTTP or HTTPS for a loopback registry', () => {
  let plain: Registry;
  let tls: Registry;
  let ctx: IsolatedClientEnv;
  beforeAll(async () => {
    [plain, tls, ctx] = await Promise.all([
      startRegistry(),
      startRegistry({ tls: true }),
      isolatedClientEnv(),
    ]);
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await Promise.all([plain?.stop(), tls?.stop()]);
  });

  it('asks a plain-HTTP registry in plain HTTP first, with one ping and no TLS handshake', async () => {
    const relay = await relayTo(Number(plain.host.split(':')[1]));
    try {
      const before = (await plain.accessLog()).length;
      const error = await ctx
        .client()
        .resolve(parseReference(`${relay.host}/none/here:v1`))
        .catch((e: unknown) => e);
      expect(isRegistryError(error, 'NOT_FOUND')).toBe(true);
      expect(relay.starts).not.toContain('tls');
      const pings = (await plain.accessLog()).slice(before).filter((e) => e.kind === 'base');
      expect(pings).toHaveLength(1);
    } finally {
      await relay.close();
    }
  });

  it('still finds a TLS registry on loopback over HTTPS, and never downgrades it', async () => {
    const relay = await relayTo(Number(tls.host.split(':')[1]));
    try {
      const ca = tls.ca?.certFile;
      if (!ca) throw new Error('TLS registry without CA');
      const trusting = ctx.client({ env: { ...ctx.env, SSL_CERT_FILE: ca } });
      const error = await trusting
        .resolve(parseReference(`${relay.host}/none/here:v1`))
        .catch((e: unknown) => e);
      // Reached over HTTPS: the registry itself answers that the repository does not exist.
      expect(isRegistryError(error, 'NOT_FOUND')).toBe(true);
      expect(relay.starts).toContain('tls');
      const untrusting = await ctx
        .client()
        .resolve(parseReference(`${relay.host}/none/here:v1`))
        .catch((e: unknown) => e);
      expect(isRegistryError(untrusting, 'TLS')).toBe(true);
    } finally {
      await relay.close();
    }
  });
});
