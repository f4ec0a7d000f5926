import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpDir } from '@isar/testkit';
import type { RegistryClientOptions } from '../client/options.js';
import { createRegistryClient } from '../client/registry-client.js';
import type { RegistryClient } from '../client/registry-client-interface.js';
import { testHttpTransport } from './http-transport.js';

/**
 * A private home and `/` for one test: nothing of the real machine's auth files, registries.conf, certs.d or
 * proxy variables leaks in. Test-only.
 */
export interface IsolatedClientEnv {
  readonly home: string;
  readonly root: string;
  readonly env: Record<string, string | undefined>;
  client(options?: RegistryClientOptions): RegistryClient;
  cleanup(): Promise<void>;
}

export async function isolatedClientEnv(): Promise<IsolatedClientEnv> {
  const dir = await tmpDir('isar-registry-client-');
  const home = join(dir.path, 'home');
  const root = join(dir.path, 'root');
  await mkdir(home, { recursive: true });
  await mkdir(root, { recursive: true });
  const env: Record<string, string | undefined> = { HOME: home, PATH: process.env.PATH };
  const clients: RegistryClient[] = [];
  return {
    home,
    root,
    env,
    client(options = {}) {
      const client = createRegistryClient({
        env,
        homeDir: home,
        rootDir: root,
        retry: { baseDelayMs: 50, maxDelayMs: 2000, maxElapsedMs: 20_000 },
        httpTransport: testHttpTransport(),
        ...options,
      });
      clients.push(client);
      return client;
    },
    async cleanup() {
      await Promise.all(clients.map((c) => c.close()));
      await dir.cleanup();
    },
  };
}

/** Reads a whole stream (small test blobs only). */
export async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
