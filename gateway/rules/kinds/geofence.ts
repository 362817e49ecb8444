import { z } from 'zod';
import { idSchema } from '../../../lib/ids.js';
import { inDailyWindow, localParts, timeOfDaySchema } from '../../../lib/time/local-time.js';
import { isAway } from '../measures/absence.js';
import { gradeSchema } from '../../../contract/alert.js';
import { cooldownSchema } from './kind-api.js';
import type { Evaluate, Step } from './kind-api.js';
import { defineKind, shiftInstant } from './kind-api.js';
import { circleEdge, polygonEdge, type EdgeDistance, type LatLon } from '../measures/geometry.js';

const latLonSchema = z
  .object({
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
  })
  .strict();

const circleSchema = z
  .object({
    type: z.literal('circle'),
    center: latLonSchema,
    radiusM: z.number().positive(),
  })
  .strict();

const polygonSchema = z
  .object({
    type: z.literal('polygon'),
    /** Vertices in order (either direction); the closing edge back to the first is implied. */
    points: z.array(latLonSchema).min(3),
  })
  .strict();

const fenceSchema = z
  .object({
    householdId: idSchema,
    shape: z.discriminatedUnion('type', [circleSchema, polygonSchema]),
  })
  .strict();

/**
 * "The wristband left the household's fence", optionally only in a daily window (at night, when
 * an elder with dementia walking off is the worry). Each household has its own fence; a device of
 * a household without one is not watched by this rule.
 */
export const geofenceRuleSchema = z
  .object({
    id: idSchema,
    kind: z.literal('geofence'),
    /** What a grid worker reads first in the alert, e.g. "left the safe area". */
    title: z.string().min(1).max(80),
    fences: z.array(fenceSchema).min(1),
    /** Raise only for fixes in [from, to) local time (gateway time zone); may cross midnight. */
    onlyAt: z.object({ from: timeOfDaySchema, to: timeOfDaySchema }).strict().optional(),
    /**
     * Consecutive fixes outside needed to raise: one GPS jump must not send a grid worker.
     * @default 2
     */
    confirmations: z.number().int().min(1).max(20).default(2),
    /**
     * Hysteresis: a raise needs a fix at least this far outside the edge, a clear one at least
     * this far inside; fixes in between change nothing, so jitter at the edge never flaps.
     * @default 25
     */
    marginM: z.number().min(0).default(25),
    grade: gradeSchema,
    cooldown: cooldownSchema,
  })
  .strict()
  // Cross-field checks, once every field is valid on its own (else they would repeat its error).
  .superRefine((rule, ctx) => {
    const seen = new Map<string, number>();
    rule.fences.forEach((fence, i) => {
      const first = seen.get(fence.householdId);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['fences', i, 'householdId'], message: `household ${fence.householdId} already has a fence (fences[${first}])` });
      }
      seen.set(fence.householdId, i);
      if (fence.shape.type === 'circle' && fence.shape.radiusM <= rule.marginM) {
        ctx.addIssue({
          code: 'custom',
          path: ['fences', i, 'shape', 'radiusM'],
          message: `must be larger than marginM (${rule.marginM} m), or no fix could ever count as back inside`,
        });
      }
    });
    if (rule.onlyAt && rule.onlyAt.from === rule.onlyAt.to) {
      ctx.addIssue({ code: 'custom', path: ['onlyAt', 'to'], message: 'equals onlyAt.from: the window would be empty (leave out onlyAt to watch all day)' });
    }
  }, { when: (payload) => payload.issues.length === 0 });
export type GeofenceRule = z.output<typeof geofenceRuleSchema>;
type Shape = GeofenceRule['fences'][number]['shape'];

/** State of one (geofence rule, device). */
export const geofenceStateSchema = z.object({
  /** Time of the last fix taken into account; fixes stamped earlier are out of order. */
  lastFixAt: z.number().nullable(),
  /** Time of the first outside fix of the current run, or null when the device is not outside. */
  outsideSince: z.number().nullable(),
  /** Outside fixes in the current run (fixes on the margin neither add nor reset), capped at confirmations. */
  outsideFixes: z.number().int().nonnegative(),
  /** The open alert's episode (its outsideSince), or null when no alert is open. */
  openEpisode: z.number().nullable(),
});
export type GeofenceState = z.infer<typeof geofenceStateSchema>;

const EMPTY: GeofenceState = { lastFixAt: null, outsideSince: null, outsideFixes: 0, openEpisode: null };

/** Why a fix cannot be a position, or undefined when it can. */
function invalidFix(lat: number, lon: number): string | undefined {
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return `fix (${lat}, ${lon}) is not a number: ignored`;
  if (Math.abs(lat) > 90) return `latitude_deg ${lat} is outside [-90, 90]: fix ignored`;
  if (Math.abs(lon) > 180) return `longitude_deg ${lon} is outside [-180, 180]: fix ignored`;
  // Nobody is watched off the coast of Ghana: 4G bands report (0, 0) when they have no GPS fix.
  if (lat === 0 && lon === 0) return 'fix at (0, 0), what bands send without GPS: ignored';
  return undefined;
}

function edgeOf(shape: Shape, p: LatLon): EdgeDistance {
  return shape.type === 'circle' ? circleEdge(p, shape.center, shape.radiusM) : polygonEdge(p, shape.points);
}

const deg5 = (n: number): number => Math.round(n * 1e5) / 1e5;

function hhmm(at: number, timeZone: string): string {
  const m = localParts(at, timeZone).minuteOfDay;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** Fences by household, built once per rule object: a city's rule may hold thousands. */
const fenceIndex = new WeakMap<GeofenceRule, Map<string, GeofenceRule['fences'][number]>>();
function fenceOf(rule: GeofenceRule, householdId: string): GeofenceRule['fences'][number] | undefined {
  let index = fenceIndex.get(rule);
  if (!index) fenceIndex.set(rule, (index = new Map(rule.fences.map((f) => [f.householdId, f]))));
  return index.get(householdId);
}

export const evaluateGeofence: Evaluate<GeofenceRule, GeofenceState> = (
  rule,
  prev,
  input,
  { device, gateway, household },
): Step<GeofenceState> | undefined => {
  // Leaving is always announced by a fix: no timers.
  if (input.type === 'tick') return undefined;
  const { reading } = input;
  const lat = reading.metrics.latitude_deg;
  const lon = reading.metrics.longitude_deg;
  if (lat === undefined || lon === undefined) return undefined;
  const fence = fenceOf(rule, device.householdId);
  if (!fence) return undefined;

  const state = prev ?? EMPTY;
  const invalid = invalidFix(lat, lon);
  if (invalid) return { state, anomaly: invalid };
  const at = reading.at;
  if (state.lastFixAt !== null && at <= state.lastFixAt) {
    // The same instant again adds nothing; an earlier one (a clock stepped back) must not count.
    if (at === state.lastFixAt) return { state };
    return { state, anomaly: `fix at ${new Date(at).toISOString()} is older than the last one (${new Date(state.lastFixAt).toISOString()}): ignored` };
  }

  const where = edgeOf(fence.shape, { lat, lon });
  const clearOfEdge = where.distanceM >= rule.marginM;
  const place = { lat: deg5(lat), lon: deg5(lon), fence: fence.shape.type };

  if (where.inside && clearOfEdge) {
    const next: GeofenceState = { lastFixAt: at, outsideSince: null, outsideFixes: 0, openEpisode: null };
    if (state.openEpisode === null) return { state: next };
    const insideM = Math.round(where.distanceM);
    return {
      state: next,
      edge: {
        kind: 'clear',
        episode: state.openEpisode,
        summary: `${rule.title} ended: back inside the fence of household ${device.householdId} at ${hhmm(at, gateway.timeZone)}, ${insideM} m from its edge`,
        details: { insideM, ...place },
      },
    };
  }
  if (!where.inside && clearOfEdge) {
    // Reported away (at her daughter's): leaving the home's fence is expected, and fixes from then
    // do not count toward a raise after she is back.
    if (isAway(household, at)) return { state: { lastFixAt: at, outsideSince: null, outsideFixes: 0, openEpisode: state.openEpisode } };
    const outsideSince = state.outsideSince ?? at;
    const outsideFixes = Math.min(state.outsideFixes + 1, rule.confirmations);
    const next: GeofenceState = { lastFixAt: at, outsideSince, outsideFixes, openEpisode: state.openEpisode };
    if (state.openEpisode !== null || outsideFixes < rule.confirmations) return { state: next };
    // Outside the window the run keeps counting: still out when it opens, the next fix raises.
    const minute = localParts(at, gateway.timeZone).minuteOfDay;
    if (rule.onlyAt && !inDailyWindow(minute, rule.onlyAt.from, rule.onlyAt.to)) return { state: next };
    const distanceM = Math.round(where.distanceM);
    return {
      state: { ...next, openEpisode: outsideSince },
      edge: {
        kind: 'raise',
        episode: outsideSince,
        summary: `${rule.title}: ${distanceM} m outside the fence of household ${device.householdId} at ${hhmm(at, gateway.timeZone)}`,
        details: { distanceM, ...place, since: new Date(outsideSince).toISOString() },
      },
    };
  }
  // On the margin: neither outside enough to count nor inside enough to reset.
  return { state: { ...state, lastFixAt: at } };
};

export const shiftGeofence = (s: GeofenceState, d: number): GeofenceState => ({
  ...s,
  lastFixAt: shiftInstant(s.lastFixAt, d),
  outsideSince: shiftInstant(s.outsideSince, d),
});

export const geofenceKind = defineKind({ ruleSchema: geofenceRuleSchema, stateSchema: geofenceStateSchema, evaluate: evaluateGeofence, shift: shiftGeofence });
