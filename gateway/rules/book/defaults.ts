import type { z } from 'zod';
import type { tagOverrideSchema } from './rule-book.js';
import type { RuleConfig } from '../kinds/registry.js';

/**
 * The default catalogue (shared/DESIGN.md section 5), with the figures the pilots use. Defaults,
 * not clinical advice: every figure can be overridden per deployment.
 */
export const DEFAULT_RULES: readonly RuleConfig[] = [
  // Shanghai, Shenzhen and Taicang pilots: less than 10 L in 24 h. The pilots compare with the
  // household's own history: a quiet spell (nothing drawn, a flush or more) alarms beyond twice the
  // longest this household stayed quiet from that time of day on in the last 14 days, no sooner
  // than 4 h and never later than the fixed window (12 h for an elder of 80+ living alone), which
  // applies alone for the first 7 days, on the meter alone (nothing in the home to say she is in),
  // and counted from the door once it was used after the last draw (she may be out).
  // Grade by confidence: water alone is a P4 "call to check". It dispatches (P2) at 24 h only in a
  // home with no door contact: where there is one, the welfare check below (water and door quiet
  // together) is the dispatch. A home known empty (her band gone out with her, not back from a
  // reported absence) is called once at 24 h, never dispatched.
  {
    id: 'no-water-use',
    kind: 'quiet-spell',
    title: 'no water use',
    metric: 'volume_l',
    window: '24h',
    minDraw: 1,
    learn: { warmup: '7d', history: '14d', factor: 2, floor: '4h', around: '2h' },
    grade: 'P2',
    dispatch: { after: '24h', inHomesWithDoor: false },
    corroboration: { grade: 'P4', within: '6h' },
  },
  // A door unused for a day while water was drawn is a stay-in day: nothing is raised while
  // another device showed life in the last 24 h. It speaks only for a home whose door is its one
  // sensor of life (soleSignal): with a meter too, the welfare check watches both quiet together.
  { id: 'no-door-activity', kind: 'no-change', title: 'no door activity', metric: 'contact_closed', window: '24h', grade: 'P2', corroboration: { grade: 'none', within: '24h' }, soleSignal: true },
  // No pilot publishes a fixed figure: all compare with the household's own history.
  {
    id: 'electricity-anomaly',
    kind: 'daily-baseline',
    title: 'electricity use far below usual',
    metric: 'energy_kwh',
    historyDays: 14,
    warmupDays: 7,
    belowRatio: 0.3,
    grade: 'P2',
  },
  // Both quiet together is graver than either: a P1 welfare check after 24 h, and once the
  // household is learned, when both have been quiet twice as long as its longest usual spell at
  // that time of day (at least 4 h, at most 24 h): an early night is hers, a morning without
  // water or door is news. Not while the home is known empty: "inside and still" needs her inside.
  {
    id: 'welfare-check',
    kind: 'welfare',
    title: 'welfare check',
    window: '24h',
    minDrawL: 1,
    learn: { warmup: '7d', history: '14d', factor: 2, floor: '4h', around: '2h', ceiling: '24h' },
    grade: 'P1',
  },
  { id: 'sos', kind: 'event', title: 'SOS pressed', event: 'sos', grade: 'P1' },
  { id: 'fall', kind: 'event', title: 'fall detected', event: 'fall', grade: 'P1' },
  // An alarm the gateway cannot read is still an alarm (it may be an SOS): someone must look.
  { id: 'unreadable-alarm', kind: 'event', title: '手环报警无法解读 alarm from the band, unreadable', event: 'unreadable_alarm', grade: 'P1' },
  { id: 'heart-rate', kind: 'range', title: 'heart rate out of range', metric: 'heart_rate_bpm', below: 50, above: 120, for: '5m', hysteresis: 5, grade: 'P1' },
  { id: 'low-spo2', kind: 'range', title: 'low blood oxygen', metric: 'spo2_pct', below: 90, hysteresis: 2, grade: 'P1' },
  { id: 'low-battery', kind: 'range', title: 'low battery', metric: 'battery_pct', below: 15, hysteresis: 5, grade: 'P4' },
  // GB 12523-2011: LAeq over 5 min above 55 dB(A) at night (22:00-06:00), 70 dB(A) by day; a night
  // maximum over the limit + 15 dB(A) at once.
  {
    id: 'night-noise',
    kind: 'night-noise',
    title: 'construction noise over the limit',
    interval: '5m',
    night: { from: '22:00', to: '06:00', limitDba: 55 },
    dayLimitDba: 70,
    lmaxMargin: 15,
    grade: 'P3',
  },
  { id: 'device-silent', kind: 'device-silent', title: 'device silent', factor: 2, grade: 'P4' },
  // A polled meter that answers but refuses some registers: its other values keep coming.
  { id: 'device-faulty', kind: 'points-unreadable', title: 'device faulty', factor: 2, grade: 'P4' },
];

/** Stricter figures by household tags: 12 h without water for an elder of 80+ living alone (独居 + 高龄). */
export const DEFAULT_TAG_OVERRIDES: readonly z.input<typeof tagOverrideSchema>[] = [
  { tags: ['living-alone', 'aged-80-plus'], rules: { 'no-water-use': { window: '12h' } } },
];
