import { describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { DAY, HOUR, MINUTE, T0, ruleHarness, type RuleHarness } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';

const INTERVAL = 15 * MINUTE;
const WINDOW = 24 * HOUR;

/**
 * A gateway whose wall clock misbehaves while a meter reports every 15 min of REAL time. The
 * water stops after the first reading; "no water use" must come 24 real hours later, whatever
 * the wall clock did. Raises are timed on the real (elapsed) time line, when they are committed.
 */
async function scenario(misbehave: (clock: VirtualClock, realHours: number) => Promise<void> | void, options: { hours?: number } = {}) {
  const clock = new VirtualClock(T0);
  const h = ruleHarness(tempDir(), { clock, watchClock: true });
  const raised: Array<{ rule: string; real: number; wall: number }> = [];
  const seen = new Set<string>();
  h.outbox.onEnqueue(() => {
    for (const { alert } of h.outbox.peek(100)) {
      if (seen.has(alert.id)) continue;
      seen.add(alert.id);
      raised.push({ rule: alert.rule, real: clock.elapsed(), wall: Date.parse(alert.at) });
    }
  });
  const first = clock.elapsed();
  h.water(clock.now(), 100);
  const done = new Set<number>();
  while (clock.elapsed() - first < (options.hours ?? 30) * HOUR) {
    const realHours = Math.floor((clock.elapsed() - first) / HOUR);
    if (!done.has(realHours)) {
      done.add(realHours);
      await misbehave(clock, realHours);
    }
    await clock.advance(INTERVAL);
    h.water(clock.now(), 100);
  }
  h.close();
  return { raised, first };
}

const noWater = (r: Awaited<ReturnType<typeof scenario>>) => r.raised.filter((a) => a.rule === 'no-water-use');

describe('clock jumps: rules count real time', () => {
  test.each([
    ['back 1 h', -HOUR],
    ['forward 1 h', HOUR],
    ['back 24 h', -DAY],
    ['forward 24 h', DAY],
  ])('the wall clock steps %s mid-window: "no water use" comes 24 real hours after the meter was first seen, once', async (_, step) => {
    const r = await scenario((clock, h) => {
      if (h === 10) clock.step(step);
    });
    expect(noWater(r).map((a) => a.real - r.first)).toEqual([WINDOW]);
    // ... and says so on the corrected wall time line.
    expect(noWater(r)[0]!.wall).toBe(T0 + WINDOW + step);
    expect(r.raised.filter((a) => a.rule === 'device-silent')).toEqual([]);
  });

  test('a step to 1970 and, five hours later, back (NTP): still 24 real hours, once', async () => {
    let wrongBy = 0;
    const r = await scenario((clock, h) => {
      if (h === 10) {
        wrongBy = clock.now();
        clock.jumpTo(0);
      }
      if (h === 15) clock.step(wrongBy);
    });
    expect(noWater(r).map((a) => a.real - r.first)).toEqual([WINDOW]);
  });

  test('a gateway that reboots with its clock in 1970 keeps the window, and fires on time after NTP fixes the clock', async () => {
    const dir = tempDir();
    const clock = new VirtualClock(T0);
    let h: RuleHarness = ruleHarness(dir, { clock, watchClock: true });
    const raised: number[] = [];
    let lastWall = 0;
    for (let real = 0; real <= 30 * HOUR; real += INTERVAL) {
      if (real === 10 * HOUR) {
        // Reboot: no RTC battery, the clock starts at 1970 and runs from there.
        lastWall = clock.now();
        h.close();
        clock.jumpTo(0);
        h = ruleHarness(dir, { clock, watchClock: true, startedAt: clock.now() });
      }
      if (real === 12 * HOUR) clock.step(lastWall + 2 * HOUR - clock.now()); // NTP sets the right time
      await clock.advanceTo(clock.now() + (real === 0 ? 0 : INTERVAL) - (real === 10 * HOUR ? INTERVAL : 0));
      raised.push(...h.water(clock.now(), 100).filter((a) => a.rule === 'no-water-use').map(() => real));
      await clock.advance(0);
    }
    const queued = h.outbox.peek(10).filter((e) => e.alert.rule === 'no-water-use');
    h.close();
    expect(queued).toHaveLength(1);
    // On the corrected time line: 24 h after the first reading (T0), give or take the reboot's reading.
    expect(Date.parse(queued[0]!.alert.at)).toBeGreaterThanOrEqual(T0 + WINDOW);
    expect(Date.parse(queued[0]!.alert.at)).toBeLessThanOrEqual(T0 + WINDOW + INTERVAL);
  });

  test('a 25 h suspend mid-window: fires once, as soon as the gateway wakes; the meter was not silent', async () => {
    const r = await scenario(async (clock, h) => {
      if (h === 20) await clock.suspend(25 * HOUR);
    }, { hours: 50 });
    const raised = noWater(r);
    expect(raised).toHaveLength(1);
    // Real time: 20 h before the suspend + 25 h asleep; it fires on waking, not 24 h later.
    expect(raised[0]!.real - r.first).toBeGreaterThanOrEqual(WINDOW);
    expect(raised[0]!.real - r.first).toBeLessThanOrEqual(45 * HOUR + INTERVAL);
    expect(r.raised.filter((a) => a.rule === 'device-silent')).toEqual([]);
  });
});
