import { describe, expect, it } from 'vitest';
import { heapGrowingPercent, tuneGarbageCollector } from './gc-tuning.js';

describe('tuneGarbageCollector', () => {
  it('sets the heap growing factor when the user gave none', () => {
    const set: string[] = [];
    expect(tuneGarbageCollector([], undefined, (flags) => set.push(flags))).toBe(true);
    expect(set).toEqual([`--heap-growing-percent=${heapGrowingPercent}`]);
  });

  it.each([
    [['--heap-growing-percent=100'], undefined],
    [['--heap_growing_percent=100'], undefined],
    [[], '--max-old-space-size=512 --heap-growing-percent=50'],
  ])('leaves a value the user gave alone (%j, NODE_OPTIONS %j)', (execArgv, nodeOptions) => {
    const set: string[] = [];
    expect(tuneGarbageCollector(execArgv, nodeOptions, (flags) => set.push(flags))).toBe(false);
    expect(set).toEqual([]);
  });
});
