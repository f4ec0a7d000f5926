import type { FetchProgress } from '@isar/fetch-core';
import { describe, expect, it } from 'vitest';
import { BarProgress } from './bar-progress.js';
import { createReporter } from './create-reporter.js';
import { JsonProgress } from './json-progress.js';
import { LineProgress } from './line-progress.js';

const a = `sha256:${'a'.repeat(64)}` as const;
const b = `sha256:${'b'.repeat(64)}` as const;
const image: FetchProgress = {
  type: 'image',
  manifestDigest: `sha256:${'c'.repeat(64)}`,
  platform: 'linux/arm/v7',
  layers: [
    { digest: a, size: 10_000_000 },
    { digest: b, size: 2_000_000 },
  ],
};

function collector(isTTY = false) {
  const out = { text: '', isTTY, write: (s: string) => (out.text += s) };
  return out;
}

/** A clock the test moves by hand. */
function clock() {
  const c = { t: 0, now: () => c.t };
  return c;
}

describe('BarProgress (terminal)', () => {
  it('draws a bar per layer and a total with bytes and rates, redrawn in place', () => {
    const out = collector(true);
    const time = clock();
    const bars = new BarProgress(out, 'isar-fetch: ', 100, time.now);
    bars.onProgress(image);
    time.t = 1000;
    bars.onProgress({ type: 'layer-progress', digest: a, bytes: 5_000_000, size: 10_000_000 });
    bars.onProgress({ type: 'layer-cached', digest: b, size: 2_000_000 });
    time.t = 2000;
    bars.onProgress({ type: 'layer-progress', digest: a, bytes: 10_000_000, size: 10_000_000 });
    bars.onProgress({ type: 'write-layer', digest: a, index: 0, done: false });
    const lines = bars.lines();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`  ${'a'.repeat(12)}  [${'#'.repeat(24)}] 10.0 MB / 10.0 MB  5.00 MB/s`);
    expect(lines[1]).toBe(`  ${'b'.repeat(12)}  [${'#'.repeat(24)}] 2.00 MB  from cache`);
    expect(lines[2]).toContain('total');
    expect(lines[2]).toContain('12.0 MB / 12.0 MB');
    expect(lines[2]).toContain('archive 0/2, writing layer 1');
    bars.close();
    // The milestone line is printed above the bars, the block redrawn with cursor movements.
    expect(out.text).toContain('isar-fetch: linux/arm/v7: manifest sha256:ccc');
    expect(out.text).toContain('\x1b[3F');
    expect(out.text.endsWith('\n')).toBe(true);
    const after = out.text.length;
    bars.onProgress({ type: 'write-layer', digest: a, index: 0, done: true });
    expect(out.text.length).toBe(after);
  });

  it('prints notes above the bars', () => {
    const out = collector(true);
    const bars = new BarProgress(out, 'isar-fetch: ');
    bars.onProgress(image);
    bars.note('warning: Missing checksum');
    bars.close();
    const clearedThenNote = '\x1b[2K\n\x1b[3Fisar-fetch: warning: Missing checksum\n';
    expect(out.text).toContain(clearedThenNote);
  });
});

describe('LineProgress (logs)', () => {
  it('prints milestones and, on each tick, a summary line when it changed', () => {
    const out = collector();
    const time = clock();
    const lines = new LineProgress(out, 'isar-fetch: ', 60_000, time.now);
    lines.onProgress({
      type: 'resolved',
      reference: 'r/x:1@sha256:abc',
      indexDigest: `sha256:${'d'.repeat(64)}`,
    });
    lines.onProgress(image);
    time.t = 1000;
    lines.onProgress({ type: 'layer-progress', digest: a, bytes: 1_000_000, size: 10_000_000 });
    time.t = 2000;
    lines.onProgress({ type: 'layer-progress', digest: a, bytes: 6_000_000, size: 10_000_000 });
    lines.tick();
    lines.tick();
    lines.onProgress({ type: 'layer-cached', digest: b, size: 2_000_000 });
    lines.tick();
    lines.close();
    expect(out.text.split('\n').filter(Boolean)).toEqual([
      'isar-fetch: resolved r/x:1@sha256:abc',
      `isar-fetch: linux/arm/v7: manifest sha256:${'c'.repeat(64)}, 2 layers, 12.0 MB`,
      'isar-fetch: downloaded 50% of 12.0 MB, 2.50 MB/s, archive: 0/2 layers written',
      'isar-fetch: downloaded 66% of 12.0 MB, 2.50 MB/s, 1 layer from cache, archive: 0/2 layers written',
    ]);
  });
});

describe('JsonProgress', () => {
  it('writes each event as a JSON line, thinning byte counts per layer', () => {
    const out = collector();
    const time = clock();
    const json = new JsonProgress(out, 500, time.now);
    json.onProgress(image);
    for (let i = 1; i <= 10; i++) {
      time.t = i * 100;
      json.onProgress({ type: 'layer-progress', digest: a, bytes: i * 999_999, size: 10_000_000 });
    }
    json.onProgress({ type: 'layer-progress', digest: a, bytes: 10_000_000, size: 10_000_000 });
    const events = out.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toEqual(image);
    expect(events.slice(1).map((e) => e.bytes)).toEqual([999_999, 5_999_994, 10_000_000]);
  });
});

describe('createReporter', () => {
  it('--quiet prints only notes; --json --quiet nothing; a terminal gets bars; a log gets lines', () => {
    const quiet = collector(true);
    const q = createReporter(quiet, { quiet: true, json: false, program: 'isar-fetch' });
    q.onProgress(image);
    q.note('warning: w');
    expect(quiet.text).toBe('isar-fetch: warning: w\n');

    const silent = collector();
    const s = createReporter(silent, { quiet: true, json: true, program: 'isar-fetch' });
    s.onProgress(image);
    s.note('warning: w');
    expect(silent.text).toBe('');

    expect(createReporter(collector(true), { quiet: false, json: false, program: 'p' })).toBeInstanceOf(
      BarProgress,
    );
    const log = createReporter(collector(), { quiet: false, json: false, program: 'p' });
    expect(log).toBeInstanceOf(LineProgress);
    log.close();
    expect(createReporter(collector(true), { quiet: false, json: true, program: 'p' })).toBeInstanceOf(
      JsonProgress,
    );
  });
});
