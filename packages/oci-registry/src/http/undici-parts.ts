import { createRequire } from 'node:module';

/** The parts of undici the transport uses. */
export type UndiciParts = Pick<
  typeof import('undici'),
  'Dispatcher' | 'Agent' | 'ProxyAgent' | 'buildConnector'
>;

/**
 * Loads only the parts of undici the transport uses, not its whole index (fetch, WebSocket, EventSource,
 * caches, mocks). The index holds ~3 MB more of the heap and ~9 MB more of peak RSS in a fetch, and every
 * major GC marks it (bench/LIMITS.md). undici's package has no exports map, so its files can be required;
 * `dispatcher.request()` and the other API methods are added to `Dispatcher.prototype` as undici's own index
 * does. When that layout is not there (another undici version, a bundle), the whole module is loaded instead.
 */
export async function loadUndiciParts(): Promise<UndiciParts> {
  try {
    // Not the bare `require`: an ES module bundle replaces it with a stub. In the CommonJS build
    // import.meta.url is empty and __filename is the bundle.
    const here = createRequire(import.meta.url || __filename);
    const fromUndici = createRequire(here.resolve('undici'));
    const Dispatcher = fromUndici('./lib/dispatcher/dispatcher.js') as UndiciParts['Dispatcher'];
    const api = fromUndici('./lib/api/index.js') as Record<string, unknown>;
    const parts: UndiciParts = {
      Dispatcher,
      Agent: fromUndici('./lib/dispatcher/agent.js'),
      ProxyAgent: fromUndici('./lib/dispatcher/proxy-agent.js'),
      buildConnector: fromUndici('./lib/core/connect.js'),
    };
    if (typeof api.request !== 'function' || typeof parts.Agent !== 'function')
      throw new Error('unexpected undici layout');
    Object.assign(Dispatcher.prototype, api);
    return parts;
  } catch {
    return import('undici');
  }
}
