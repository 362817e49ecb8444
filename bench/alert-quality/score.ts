import type { Alert, Grade } from '../../contract/alert.js';
import type { Corpus, CorpusHousehold, TrueEvent } from '../../simulators/corpus/corpus.js';
import type { RuleBook } from '../../gateway/rules/book/rule-book.js';
import { ticketSubject } from '../../cloud/alerts/ticket-subject.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Rules that keep devices working, not people safe: a low battery that is low is no false alarm. */
const UPKEEP_RULES = new Set(['low-battery']);
/** Rules that may find an elder who cannot get up. */
const INACTIVITY_RULES = ['no-water-use', 'no-door-activity', 'welfare-check', 'electricity-anomaly'];

/** A raise's ticket stays open until its alert clears (someone closes what resolved) or, never cleared, this long. */
const TICKET_OPEN_MS = 24 * HOUR;
/** Alerts this long after a true event ended are still about it (the household settling back). */
const AFTER_EVENT_MS = 2 * HOUR;

export interface MissedEvent {
  event: TrueEvent;
  /** The first matching raise, when it came too late. */
  foundAt: string | null;
}

export interface RuleFigures {
  raises: number;
  falseRaises: number;
  falseRaisesP1P2: number;
  falseTickets: number;
  falseTicketsP1P2: number;
}

export interface QualityFigures {
  households: number;
  householdDays: number;
  /** True events a rule had its whole time to find within the run. */
  trueEvents: number;
  /** True events too near the run's end for any rule to have had its time: not counted. */
  censored: number;
  found: number;
  alert_recall: number;
  /** Over found events: (first matching raise - when the condition became true) / (the rule's window + one reading interval). */
  max_detection_delay_ratio: number;
  false_alarms_per_100_household_days: { tickets: number; ticketsP1P2: number; alerts: number; alertsP1P2: number };
  /** Tickets a real battery running low opens (not false alarms; shown so nobody is surprised). */
  upkeep_tickets_per_100_household_days: number;
  byRule: Record<string, RuleFigures>;
  /** False raises by the confounder nearest before them (what made the rule raise), or "unexplained". */
  falseRaisesByCause: Record<string, number>;
  delayRatioByKind: Record<string, number>;
  missed: MissedEvent[];
}

interface Expectation {
  rules: readonly string[];
  /** The rule's window plus one reading interval: the time a rule may take. */
  allowedMs: number;
}

function windowOf(book: RuleBook, householdId: string, ruleId: string): number | undefined {
  const rule = book.ruleFor(householdId, ruleId) as { window?: number } | undefined;
  return rule?.window;
}

/** Which rules must find an event of this household, and within what. */
function expectationOf(event: TrueEvent, household: CorpusHousehold, book: RuleBook, corpusStart: number): Expectation {
  const has = (profile: string) => household.devices.some((d) => d.profile === profile);
  switch (event.kind) {
    case 'sos':
      return { rules: ['sos'], allowedMs: MINUTE };
    case 'fall':
      return { rules: ['fall'], allowedMs: MINUTE };
    case 'tachycardia':
      // "Over 120 for 5 min", readings every 5 min.
      return { rules: ['heart-rate'], allowedMs: 10 * MINUTE };
    case 'meter-fault': {
      const meter = household.devices.find((d) => d.deviceId === event.deviceId);
      return { rules: ['device-silent'], allowedMs: 3 * (meter?.heartbeatMs ?? 15 * MINUTE) };
    }
    case 'incapacitation': {
      const windows: number[] = [];
      const water = windowOf(book, household.id, 'no-water-use');
      if (water !== undefined) windows.push(water);
      // The welfare check's fixed window holds until it has learned the household; then its ceiling.
      const welfareRule = book.ruleFor(household.id, 'welfare-check') as { window: number; learn?: { warmup: number; ceiling?: number } } | undefined;
      if (welfareRule && has('aqara/mccgq11lm')) {
        const learned = welfareRule.learn && event.from - corpusStart >= welfareRule.learn.warmup;
        windows.push(learned ? (welfareRule.learn!.ceiling ?? welfareRule.window) : welfareRule.window);
      }
      const meter = household.devices.find((d) => d.profile === 'generic/mqtt-water-flow');
      return { rules: INACTIVITY_RULES, allowedMs: Math.min(...windows) + (meter?.heartbeatMs ?? 15 * MINUTE) };
    }
  }
}

const GRADE_ORDER: Record<Grade, number> = { P1: 1, P2: 2, P3: 3, P4: 4 };
const urgent = (g: Grade): boolean => g === 'P1' || g === 'P2';
const per100 = (n: number, householdDays: number): number => Math.round((n / householdDays) * 100 * 100) / 100;

/** Scores a run's alerts against what really happened in the corpus. */
export function scoreRun(corpus: Corpus, alerts: readonly Alert[], book: RuleBook): QualityFigures {
  const households = new Map(corpus.households.map((h) => [h.id, h]));
  const householdDays = corpus.households.length * corpus.options.days;
  const raises = alerts.filter((a) => a.kind === 'raise').map((a) => ({ alert: a, at: Date.parse(a.at) }));

  // Recall and delay.
  const missed: MissedEvent[] = [];
  let found = 0;
  let maxRatio = 0;
  const delayRatioByKind: Record<string, number> = {};
  const corpusEnd = corpus.options.start + corpus.options.days * 24 * HOUR;
  let censored = 0;
  for (const event of corpus.truth) {
    const household = households.get(event.householdId)!;
    const expect = expectationOf(event, household, book, corpus.options.start);
    // The run ends before a rule had its time to find it: neither found nor missed.
    if (event.from + expect.allowedMs * 1.05 > corpusEnd) {
      censored++;
      continue;
    }
    const first = raises.find(
      (r) =>
        r.alert.householdId === event.householdId &&
        expect.rules.includes(r.alert.rule) &&
        (event.deviceId === undefined || event.kind === 'incapacitation' || r.alert.deviceId === event.deviceId) &&
        r.at >= event.from &&
        r.at <= event.until,
    );
    const ratio = first ? (first.at - event.from) / expect.allowedMs : Number.POSITIVE_INFINITY;
    if (first && ratio <= 1.05) {
      found++;
      maxRatio = Math.max(maxRatio, ratio);
      delayRatioByKind[event.kind] = Math.max(delayRatioByKind[event.kind] ?? 0, Math.round(ratio * 1000) / 1000);
    } else {
      missed.push({ event, foundAt: first ? first.alert.at : null });
    }
  }

  // False raises: not about any true event of their household.
  const aboutAnEvent = (a: Alert, at: number): boolean =>
    corpus.truth.some((e) => {
      if (e.householdId !== a.householdId || at < e.from || at > e.until + AFTER_EVENT_MS) return false;
      if (a.rule === 'device-silent' || a.rule === 'device-faulty') return e.kind === 'meter-fault' ? a.deviceId === e.deviceId : e.kind === 'incapacitation';
      return true;
    });
  const isFalse = (a: Alert, at: number): boolean => !UPKEEP_RULES.has(a.rule) && !aboutAnEvent(a, at);

  const byRule: Record<string, RuleFigures> = {};
  const ruleFigures = (rule: string): RuleFigures => (byRule[rule] ??= { raises: 0, falseRaises: 0, falseRaisesP1P2: 0, falseTickets: 0, falseTicketsP1P2: 0 });
  const falseRaisesByCause: Record<string, number> = {};
  let falseAlerts = 0;
  let falseAlertsP1P2 = 0;
  for (const { alert, at } of raises) {
    const f = ruleFigures(alert.rule);
    f.raises++;
    if (!isFalse(alert, at)) continue;
    f.falseRaises++;
    falseAlerts++;
    if (urgent(alert.grade)) {
      f.falseRaisesP1P2++;
      falseAlertsP1P2++;
    }
    const cause = causeOf(corpus, alert.householdId, at);
    falseRaisesByCause[`${alert.rule}: ${cause}`] = (falseRaisesByCause[`${alert.rule}: ${cause}`] ?? 0) + 1;
  }

  // Tickets as the cloud opens them: one open ticket per household, rule and subject.
  const open = new Map<string, { openedAt: number; grade: Grade; false: boolean }>();
  let falseTickets = 0;
  let falseTicketsP1P2 = 0;
  let upkeepTickets = 0;
  const closeTicket = (key: string) => {
    const t = open.get(key)!;
    open.delete(key);
    if (!t.false) return;
    const rule = key.split('\u0000')[1]!;
    falseTickets++;
    ruleFigures(rule).falseTickets++;
    if (urgent(t.grade)) {
      falseTicketsP1P2++;
      ruleFigures(rule).falseTicketsP1P2++;
    }
  };
  for (const alert of alerts) {
    const at = Date.parse(alert.at);
    const key = `${alert.householdId}\u0000${alert.rule}\u0000${ticketSubject(alert)}`;
    const ticket = open.get(key);
    if (ticket && at - ticket.openedAt > TICKET_OPEN_MS) closeTicket(key);
    const current = open.get(key);
    if (alert.kind === 'clear') {
      if (current) closeTicket(key);
      continue;
    }
    if (current) {
      if (GRADE_ORDER[alert.grade] < GRADE_ORDER[current.grade]) current.grade = alert.grade;
      continue;
    }
    if (UPKEEP_RULES.has(alert.rule)) upkeepTickets++;
    open.set(key, { openedAt: at, grade: alert.grade, false: isFalse(alert, at) });
  }
  for (const key of [...open.keys()]) closeTicket(key);

  return {
    households: corpus.households.length,
    householdDays,
    trueEvents: corpus.truth.length - censored,
    censored,
    found,
    alert_recall: corpus.truth.length - censored === 0 ? 1 : Math.round((found / (corpus.truth.length - censored)) * 1000) / 1000,
    max_detection_delay_ratio: Math.round(maxRatio * 1000) / 1000,
    false_alarms_per_100_household_days: {
      tickets: per100(falseTickets, householdDays),
      ticketsP1P2: per100(falseTicketsP1P2, householdDays),
      alerts: per100(falseAlerts, householdDays),
      alertsP1P2: per100(falseAlertsP1P2, householdDays),
    },
    upkeep_tickets_per_100_household_days: per100(upkeepTickets, householdDays),
    byRule,
    falseRaisesByCause,
    delayRatioByKind,
    missed,
  };
}

/** The confounder of the household going on at `at`, or the latest that ended in the 12 h before. */
function causeOf(corpus: Corpus, householdId: string, at: number): string {
  let best: { kind: string; from: number } | undefined;
  for (const c of corpus.confounders) {
    if (c.householdId !== householdId || c.kind === 'low-water-user') continue;
    if (c.from <= at && c.until >= at - 12 * HOUR && (!best || c.from > best.from)) best = { kind: c.kind, from: c.from };
  }
  if (best) return best.kind;
  const low = corpus.confounders.some((c) => c.householdId === householdId && c.kind === 'low-water-user');
  return low ? 'low-water-user' : 'unexplained';
}
