import { describe, expect, it } from 'vitest';
import { parseImageName } from '../../inputs/image-name.js';
import { formatTarget, parseRegistryUrl } from './registry-target.js';

describe('registry targets: the repository path without the source host', () => {
  it.each([
    ['quay.io/libpod/alpine:3.10', '127.0.0.1:5000/libpod/alpine:3.10'],
    ['debian:bookworm', '127.0.0.1:5000/library/debian:bookworm'],
    ['docker.io/library/debian:bookworm', '127.0.0.1:5000/library/debian:bookworm'],
    ['bitnami/redis', '127.0.0.1:5000/bitnami/redis:latest'],
    ['registry.example.com:8443/team/sub/app:v2', '127.0.0.1:5000/team/sub/app:v2'],
  ])('%s -> %s', (name, target) => {
    expect(formatTarget(parseImageName(name), '127.0.0.1:5000')).toBe(target);
  });

  it('reads host, plain-HTTP opt-in, loopback and credentials from the URL', () => {
    expect(parseRegistryUrl('http://127.0.0.1:5000')).toEqual({
      host: '127.0.0.1:5000',
      plainHttp: true,
      loopback: true,
    });
    expect(parseRegistryUrl('https://user:p%40ss@registry.local')).toEqual({
      host: 'registry.local',
      plainHttp: false,
      loopback: false,
      credentials: { username: 'user', password: 'p@ss' },
    });
    expect(parseRegistryUrl('http://[::1]:5000').loopback).toBe(true);
  });
});
