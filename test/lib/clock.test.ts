import { afterEach, describe, expect, test, vi } from 'vitest';
import { SystemClock } from '../../lib/time/clock.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('SystemClock', () => {
  test('a step of the wall clock back by an hour does not freeze its timers', async () => {
    const clock = new SystemClock();
    const fired = new Promise<number>((resolve) => {
      const started = performance.now();
      clock.setTimeout(() => resolve(performance.now() - started), 50);
    });
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 3_600_000);
    // Frozen would be an hour; a busy machine may be late by a second or two, not by ten.
    const waited = await Promise.race([fired, new Promise<number>((r) => setTimeout(() => r(-1), 10_000))]);
    expect(waited).toBeGreaterThanOrEqual(45);
  });

  test('a delay over 24.8 days is not run at once (Node would fire it after 1 ms)', async () => {
    const clock = new SystemClock();
    let fired = false;
    const handle = clock.setTimeout(() => {
      fired = true;
    }, 30 * 86_400_000);
    await new Promise((r) => setTimeout(r, 50));
    clock.clearTimeout(handle);
    expect(fired).toBe(false);
  });
});
