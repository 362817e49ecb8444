import { describe, expect, test } from 'vitest';
import { WakeQueue } from '../../../../gateway/rules/engine/wake-queue.js';

describe('WakeQueue', () => {
  test('pops due keys earliest first, honouring moves and removals', () => {
    const q = new WakeQueue();
    q.set('a', 30);
    q.set('b', 10);
    q.set('c', 20);
    q.set('a', 5); // moved earlier
    q.set('c', undefined); // removed
    expect(q.peekTime()).toBe(5);
    expect(q.popDue(15)).toEqual(['a', 'b']);
    expect(q.popDue(100)).toEqual([]);
    expect(q.size).toBe(0);
  });

  test('matches a sorted reference under many random moves, and stays compact', () => {
    const q = new WakeQueue();
    const ref = new Map<string, number>();
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20_000; i++) {
      const key = `k${Math.floor(rnd() * 500)}`;
      const at = rnd() < 0.1 ? undefined : Math.floor(rnd() * 1_000_000);
      q.set(key, at);
      if (at === undefined) ref.delete(key);
      else ref.set(key, at);
    }
    const expected = [...ref].filter(([, at]) => at <= 600_000).sort((x, y) => x[1] - y[1]);
    const popped = q.popDue(600_000);
    expect(popped.map((k) => ref.get(k))).toEqual(expected.map(([, at]) => at));
    expect(new Set(popped)).toEqual(new Set(expected.map(([k]) => k)));
  });
});
