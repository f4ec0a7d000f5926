import { describe, expect, it } from 'vitest';
import { formatPlatform, parsePlatform } from './platform.js';

describe('platform strings', () => {
  it.each(['linux/amd64', 'linux/arm/v7', 'linux/arm64/v8', 'linux/386'])('round-trips %s', (value) => {
    expect(formatPlatform(parsePlatform(value))).toBe(value);
  });

  it.each(['linux', 'linux/arm/v7/x', 'linux//v7', 'linux /arm', 'linux/&arm', ''])('rejects %s', (value) => {
    expect(() => parsePlatform(value)).toThrow(/invalid platform/);
  });

  it.each([
    ['Linux/AMD64', 'linux/amd64'],
    ['Linux/x86_64', 'linux/x86_64'],
    ['LINUX/arm64/V8', 'linux/arm64/v8'],
  ])('lower-cases %s as containerd does', (value, expected) => {
    expect(formatPlatform(parsePlatform(value))).toBe(expected);
  });
});
