import { describe, expect, it } from 'vitest';
import { formatPlatform, parsePlatform } from './platform.js';

describe('platform strings', () => {
  it.each(['linux/amd64', 'linux/arm/v7', 'linux/arm64/v8', 'linux/386'])('round-trips %s', (value) => {
    expect(formatPlatform(parsePlatform(value))).toBe(value);
  });

  it.each(['linux', 'linux/arm/v7/x', 'Linux/amd64', 'linux//v7'])('rejects %s', (value) => {
    expect(() => parsePlatform(value)).toThrow(/invalid platform/);
  });
});
