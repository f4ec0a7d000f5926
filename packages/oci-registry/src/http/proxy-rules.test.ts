import { describe, expect, it } from 'vitest';
import { resolveEnvironment } from '../config/environment.js';
import { isLoopbackHost, splitHostPort } from './host.js';
import { ProxyRules } from './proxy-rules.js';

const env = (vars: Record<string, string>) =>
  resolveEnvironment({ env: vars, homeDir: '/nonexistent', rootDir: '/nonexistent' });

describe('proxy rules', () => {
  it('picks the proxy per scheme from the environment, lower case first', () => {
    const rules = new ProxyRules(
      undefined,
      env({ HTTP_PROXY: 'http://upper:3128', http_proxy: 'http://lower:3128', HTTPS_PROXY: 'http://s:3128' }),
    );
    expect(rules.proxyFor('http:', 'reg.example', 80)).toBe('http://upper:3128');
    expect(rules.proxyFor('https:', 'reg.example', 443)).toBe('http://s:3128');
    expect(
      new ProxyRules(undefined, env({ http_proxy: 'http://lower:3128' })).proxyFor('http:', 'r', 80),
    ).toBe('http://lower:3128');
  });

  it('honours NO_PROXY hosts, domains, ports, CIDRs and *', () => {
    const rules = new ProxyRules(
      { proxyLoopback: true },
      env({
        HTTPS_PROXY: 'http://p:3128',
        NO_PROXY: 'internal.example, .corp.example,reg.example:5000,10.0.0.0/8',
      }),
    );
    expect(rules.proxyFor('https:', 'internal.example', 443)).toBeUndefined();
    expect(rules.proxyFor('https:', 'a.internal.example', 443)).toBeUndefined();
    expect(rules.proxyFor('https:', 'x.corp.example', 443)).toBeUndefined();
    expect(rules.proxyFor('https:', 'reg.example', 5000)).toBeUndefined();
    expect(rules.proxyFor('https:', 'reg.example', 443)).toBe('http://p:3128');
    expect(rules.proxyFor('https:', '10.1.2.3', 443)).toBeUndefined();
    expect(rules.proxyFor('https:', '11.1.2.3', 443)).toBe('http://p:3128');
    expect(rules.proxyFor('https:', 'notinternal.example', 443)).toBe('http://p:3128');
    expect(
      new ProxyRules(undefined, env({ HTTPS_PROXY: 'http://p', NO_PROXY: '*' })).proxyFor('https:', 'a', 443),
    ).toBeUndefined();
  });

  it('never proxies loopback unless asked to, and can be switched off', () => {
    const vars = env({ HTTP_PROXY: 'http://p:3128' });
    expect(new ProxyRules(undefined, vars).proxyFor('http:', '127.0.0.1', 5000)).toBeUndefined();
    expect(new ProxyRules(undefined, vars).proxyFor('http:', 'localhost', 5000)).toBeUndefined();
    expect(new ProxyRules({ proxyLoopback: true }, vars).proxyFor('http:', '127.0.0.1', 5000)).toBe(
      'http://p:3128',
    );
    expect(new ProxyRules(false, vars).proxyFor('http:', 'reg.example', 80)).toBeUndefined();
  });
});

describe('hosts', () => {
  it('knows loopback hosts', () => {
    for (const h of [
      'localhost',
      'localhost:5000',
      'x.localhost',
      '127.0.0.1',
      '127.3.4.5:80',
      '::1',
      '[::1]:5000',
    ]) {
      expect(isLoopbackHost(h)).toBe(true);
    }
    for (const h of ['example.com', '10.0.0.1', '128.0.0.1:5000', 'localhost.example.com', '[::2]:5000']) {
      expect(isLoopbackHost(h)).toBe(false);
    }
  });

  it('splits host and port, IPv6 included', () => {
    expect(splitHostPort('reg:5000')).toEqual({ hostname: 'reg', port: 5000 });
    expect(splitHostPort('[::1]:5000')).toEqual({ hostname: '::1', port: 5000 });
    expect(splitHostPort('reg')).toEqual({ hostname: 'reg', port: undefined });
  });
});
