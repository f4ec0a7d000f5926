import { nodeHttpTransport } from '../http/node-http-transport.js';
import { undiciTransport } from '../http/undici-transport.js';
import type { HttpTransport } from '../http/wire.js';

/**
 * The transport the tests run on: undici by default, `node:http` with `ISAR_OCI_HTTP_TRANSPORT=node-http`
 * (`pnpm test:node-http` runs the whole suite so). Test-only.
 */
export function testHttpTransport(): HttpTransport {
  const name = process.env.ISAR_OCI_HTTP_TRANSPORT ?? 'undici';
  if (name === 'node-http') return nodeHttpTransport;
  if (name === 'undici') return undiciTransport;
  throw new Error(`ISAR_OCI_HTTP_TRANSPORT=${name}: expected undici or node-http`);
}
