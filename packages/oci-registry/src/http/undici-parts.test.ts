import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadUndiciParts } from './undici-parts.js';

describe('loadUndiciParts', () => {
  it("loads the dispatchers and the request API, not undici's whole index", async () => {
    const parts = await loadUndiciParts();
    expect(typeof parts.Agent).toBe('function');
    expect(typeof parts.ProxyAgent).toBe('function');
    expect(typeof parts.buildConnector).toBe('function');
    const agent = new parts.Agent();
    expect(agent).toBeInstanceOf(parts.Dispatcher);
    expect(typeof agent.request).toBe('function');
    await agent.close();
    // The fallback (the whole module) would have put undici's index into the CommonJS cache.
    const require = createRequire(import.meta.url);
    expect(Object.keys(require.cache)).not.toContain(require.resolve('undici'));
  });
});
