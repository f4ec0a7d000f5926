/** Temporary directories and free loopback ports. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackDir, untrackDir } from './processes.js';

export interface TmpDir {
  path: string;
  cleanup(): Promise<void>;
}

/** Creates a fresh directory under the OS temp dir; it is also removed on process exit. */
export async function tmpDir(prefix = 'isar-testkit-'): Promise<TmpDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  trackDir(path);
  return {
    path,
    async cleanup() {
      untrackDir(path);
      await rm(path, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}
