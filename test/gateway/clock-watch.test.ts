import { describe, expect, test } from 'vitest';
import { VirtualClock } from '../../lib/time/clock.js';
import { silentLogger } from '../../lib/log.js';
import { ClockWatch } from '../../gateway/clock-watch.js';
import { HOUR, T0 } from '../support/rules/rule-harness.js';

function watched() {
  const clock = new VirtualClock(T0);
  const events: Array<['step', number] | ['suspend', number, number]> = [];
  const watch = new ClockWatch({
    clock,
    logger: silentLogger(),
    onStep: (d) => events.push(['step', d]),
    onSuspend: (from, to) => events.push(['suspend', from, to]),
  });
  watch.start();
  return { clock, watch, events };
}

describe('ClockWatch', () => {
  test('normal time reports nothing, however long it runs', async () => {
    const { clock, events } = watched();
    await clock.advance(48 * HOUR);
    expect(events).toEqual([]);
  });

  test('a step of the wall clock is reported once, by its size, at the next look', async () => {
    const { clock, watch, events } = watched();
    await clock.advance(HOUR);
    clock.step(-25 * 60_000);
    watch.check();
    watch.check();
    await clock.advance(HOUR);
    expect(events).toEqual([['step', -25 * 60_000]]);
  });

  test('a suspend is reported as the span slept, not as a step', async () => {
    const { clock, events } = watched();
    await clock.advance(HOUR);
    await clock.suspend(25 * HOUR);
    expect(events).toEqual([['suspend', T0 + HOUR, T0 + 26 * HOUR]]);
  });

  test('a step and a suspend at once are told apart', async () => {
    const { clock, watch, events } = watched();
    await clock.advance(HOUR);
    clock.step(HOUR);
    await clock.suspend(3 * HOUR);
    watch.check();
    expect(events).toEqual([
      ['step', HOUR],
      ['suspend', T0 + 2 * HOUR, T0 + 5 * HOUR],
    ]);
  });

  test('drift under the tolerance is noise', async () => {
    const { clock, watch, events } = watched();
    clock.step(1_500);
    watch.check();
    expect(events).toEqual([]);
  });
});
