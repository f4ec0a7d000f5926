import { describe, expect, it } from 'vitest';
import { Limiter } from './limiter.js';

describe('Limiter', () => {
  it('admits up to the limit, then first come first served', async () => {
    const limiter = new Limiter(2);
    const order: number[] = [];
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    const waiting = [3, 4].map((n) =>
      limiter.acquire().then((release) => {
        order.push(n);
        return release;
      }),
    );
    expect(limiter.active).toBe(2);
    expect(limiter.pending).toBe(2);
    a();
    a(); // releasing twice frees one slot only
    const third = await waiting[0];
    expect(order).toEqual([3]);
    expect(limiter.pending).toBe(1);
    b();
    (await waiting[1])?.();
    third?.();
    expect(limiter.active).toBe(0);
  });

  it('drops a waiter whose signal aborts', async () => {
    const limiter = new Limiter(1);
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(limiter.pending).toBe(0);
    held();
    expect(limiter.active).toBe(0);
    await expect(limiter.acquire(controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });
});
