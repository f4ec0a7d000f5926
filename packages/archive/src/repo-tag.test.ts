import { describe, expect, it } from 'vitest';
import { parseRepoTag, parseRepoTags } from './repo-tag.js';

describe('parseRepoTag', () => {
  it('qualifies names the way skopeo writes RepoTags', () => {
    expect(parseRepoTag('debian:bookworm').full).toBe('docker.io/library/debian:bookworm');
    expect(parseRepoTag('debian').full).toBe('docker.io/library/debian:latest');
    expect(parseRepoTag('library/debian:12').full).toBe('docker.io/library/debian:12');
    expect(parseRepoTag('index.docker.io/foo/bar:1').full).toBe('docker.io/foo/bar:1');
    expect(parseRepoTag('quay.io/libpod/alpine:3.10')).toEqual({
      name: 'quay.io/libpod/alpine',
      tag: '3.10',
      full: 'quay.io/libpod/alpine:3.10',
    });
    expect(parseRepoTag('127.0.0.1:5000/busybox').full).toBe('127.0.0.1:5000/busybox:latest');
    expect(parseRepoTag('localhost/x:y').full).toBe('localhost/x:y');
  });

  it('refuses digests and malformed names', () => {
    for (const bad of [
      `debian@sha256:${'a'.repeat(64)}`,
      'Debian:1',
      'a:b:c',
      '-rm:1',
      'x:-tag',
      '',
      'a//b',
    ]) {
      expect(() => parseRepoTag(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });

  it('drops repeated tags', () => {
    expect(parseRepoTags(['debian', 'docker.io/library/debian:latest', 'x:1']).map((t) => t.full)).toEqual([
      'docker.io/library/debian:latest',
      'docker.io/library/x:1',
    ]);
  });
});
