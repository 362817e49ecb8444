import type { Clock, TimerHandle } from '../../../lib/time/clock.js';
import type { Logger } from '../../../lib/log.js';
import type { SqliteDatabase } from '../../../lib/sqlite.js';
import type { Reading } from '../../../contract/reading.js';
import type { OfflineSpan } from '../../../lib/time/offline-spans.js';
import type { Alert } from '../../../contract/alert.js';
import type { Edge, GatewayContext, HouseholdContext, RuleTrigger, Step } from '../kinds/kind-api.js';
import { HOUSEHOLD_LIFE_KEY, HouseholdLife } from './household-life.js';
import type { DeviceContext } from '../../../contract/device-context.js';
import { kindOf } from '../kinds/registry.js';
import type { Rule } from '../kinds/registry.js';
import { Cooldowns } from './cooldowns.js';
import type { RuleBook } from '../book/rule-book.js';
import type { RuleStateStore } from './state-store.js';
import { WakeQueue } from './wake-queue.js';

/**
 * Where raised and cleared alerts go: the gateway's durable outbox. `enqueue` runs inside the
 * engine's transaction on the same database, so an alert and the rule state that raised it are
 * committed together; `notify` wakes the uplink after the commit.
 */
export interface AlertQueue {
  enqueue(alerts: readonly Alert[], at: number): void;
  notify(): void;
}

export interface RuleEngineOptions {
  gatewayId: string;
  /** The rules of each household (gateway/rules/book/rule-book.ts). */
  book: RuleBook;
  devices: readonly DeviceContext[];
  db: SqliteDatabase;
  outbox: AlertQueue;
  states: RuleStateStore;
  clock: Clock;
  logger: Logger;
  /** Spans the gateway was down (from Uptime.begin). */
  offline: readonly OfflineSpan[];
  /**
   * Called before anything is evaluated (a reading, or rules woken by the timer): lets a
   * ClockWatch report a clock step first, so nothing is judged on a time line not yet corrected.
   */
  checkClock?: () => void;
  /** @default Asia/Shanghai */
  timeZone?: string;
}

interface TargetedStep {
  rule: Rule;
  step: Step<unknown>;
  /** The device (or household pseudo-device) the state and any alert belong to. */
  target: DeviceContext;
}

/** A failed commit in a timer is tried again this much later. */
const RETRY_AFTER_FAILED_COMMIT_MS = 1_000;

const keyOf = (ruleId: string, deviceId: string): string => `${ruleId}\u0000${deviceId}`;

/**
 * Runs every rule over each reading, and over time itself: a rule whose window closes between
 * readings asks to be woken then (`Step.wakeAt`) and is, by one timer on the injected clock.
 * `process` is synchronous on purpose: the MQTT driver calls it before the device's PUBACK, so
 * when a device is acknowledged its reading has been evaluated and any alert it caused is on disk.
 */
export class RuleEngine {
  readonly #o: RuleEngineOptions;
  #book: RuleBook;
  readonly #devices: Map<string, DeviceContext>;
  /** Pseudo-devices of household-wide rules, apart from real devices so neither can stand for the other. */
  readonly #households = new Map<string, DeviceContext>();
  #gateway: GatewayContext;
  readonly #wakes = new WakeQueue();
  readonly #cooldowns: Cooldowns;
  #timer: TimerHandle | null = null;
  #timerAt = Number.POSITIVE_INFINITY;
  #running = false;
  /** Per household, when each device last showed life and a door was last used (kept with the rule state). */
  readonly #life = new HouseholdLife();
  /** Households with a memory, as the rules see them; rebuilt when the rule book changes. */
  readonly #contexts = new Map<string, HouseholdContext>();

  constructor(options: RuleEngineOptions) {
    this.#o = options;
    this.#book = options.book;
    this.#cooldowns = new Cooldowns(options.db);
    this.#devices = new Map(options.devices.map((d) => [d.deviceId, d]));
    for (const device of options.devices) this.#householdTarget(device);
    this.#gateway = { offline: options.offline, timeZone: options.timeZone ?? 'Asia/Shanghai' };
  }

  /**
   * Loads persisted state (dropping, and logging, state that no longer fits its rule) and looks
   * at every (rule, device) once now: a window that closed while the gateway was down fires, and a
   * kind that watches from configuration starts watching a device that never reported.
   */
  start(): void {
    this.#running = true;
    this.#cooldowns.load();
    const loaded: string[] = [];
    this.#o.states.load((ruleId, deviceId, raw) => {
      if (ruleId === HOUSEHOLD_LIFE_KEY) return this.#life.restore(deviceId, raw);
      const device = this.#target(deviceId);
      const rule = device && this.#book.ruleFor(device.householdId, ruleId);
      if (!rule) return undefined;
      const parsed = kindOf(rule).stateSchema.safeParse(raw);
      if (parsed.success) {
        loaded.push(keyOf(ruleId, deviceId));
        return parsed.data;
      }
      this.#o.logger.warn({ rule: ruleId, device: deviceId }, 'stored rule state does not fit the rule any more; its window starts again');
      return undefined;
    });
    const now = this.#o.clock.now();
    for (const key of loaded) this.#wakes.set(key, now);
    const fresh = new Set(loaded);
    for (const device of this.#devices.values()) {
      for (const rule of this.#book.rulesFor(device.householdId)) {
        const kind = kindOf(rule);
        const key = keyOf(rule.id, device.deviceId);
        if (kind.watchesFromConfiguration && kind.scope !== 'household' && !fresh.has(key)) this.#wakes.set(key, now);
      }
    }
    this.#arm();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  /** How many (rule, device) pairs wait for a moment to be looked at. */
  get scheduled(): number {
    return this.#wakes.size;
  }

  process(reading: Reading, device: DeviceContext): Alert[] {
    this.#o.checkClock?.();
    if (this.#devices.get(device.deviceId) !== device) this.#devices.set(device.deviceId, device);
    const trigger: RuleTrigger = { type: 'reading', reading };
    const household = this.#household(device.householdId);
    const steps: TargetedStep[] = [];
    for (const rule of this.#book.rulesFor(device.householdId)) {
      const kind = kindOf(rule);
      // A household-wide rule keeps one state per household, fed by all its devices.
      const target = kind.scope === 'household' ? this.#householdTarget(device) : device;
      const step = kind.evaluate(rule, this.#o.states.get(rule.id, target.deviceId), trigger, { device: target, gateway: this.#gateway, household });
      if (step) steps.push({ rule, step, target });
    }
    const alerts = this.#apply(steps, reading.at, reading.metrics);
    this.#noteLife(reading, device);
    return alerts;
  }

  /** The household as the rules see it: the rule book's, with what its devices say of its residents (cached: the memory is live). */
  #household(householdId: string): HouseholdContext {
    const cached = this.#contexts.get(householdId);
    if (cached) return cached;
    const known = this.#book.household(householdId);
    const memory = this.#life.memoryOf(householdId);
    if (!memory) return known;
    const context = { ...known, memory };
    this.#contexts.set(householdId, context);
    return context;
  }

  /** Remembers when a device showed life (for corroboration and "out, not silent"); written with the next flush. */
  #noteLife(reading: Reading, device: DeviceContext): void {
    const memory = this.#life.note(reading, device);
    if (memory) this.#o.states.set(HOUSEHOLD_LIFE_KEY, device.householdId, memory);
  }

  /**
   * Replaces the rules at run time. A (rule, device) whose effective rule is the same keeps its
   * state and timers; a changed or removed one starts afresh (alerts it raised stay in the cloud's
   * tickets, which people close).
   */
  replaceRules(book: RuleBook): void {
    let kept = 0;
    let restarted = 0;
    const now = this.#o.clock.now();
    const fingerprints = new WeakMap<Rule, string>();
    const fingerprint = (rule: Rule): string => {
      let f = fingerprints.get(rule);
      if (f === undefined) fingerprints.set(rule, (f = JSON.stringify(rule)));
      return f;
    };
    for (const device of [...this.#devices.values(), ...this.#households.values()]) {
      for (const before of this.#book.rulesFor(device.householdId)) {
        const state = this.#o.states.get(before.id, device.deviceId);
        if (state === undefined) continue;
        const after = book.ruleFor(device.householdId, before.id);
        const key = keyOf(before.id, device.deviceId);
        if (after && (after === before || fingerprint(after) === fingerprint(before))) {
          kept++;
          continue;
        }
        // A changed rule keeps what its state saw, where that is not derived from the rule's
        // figures; it is looked at again now (a meter already silent is still reported).
        if (after && after.kind === before.kind && kindOf(after).stateOutlivesChanges && kindOf(after).stateSchema.safeParse(state).success) {
          kept++;
          this.#wakes.set(key, now);
          continue;
        }
        restarted++;
        this.#o.states.delete(before.id, device.deviceId);
        this.#wakes.set(key, undefined);
      }
    }
    this.#book = book;
    this.#contexts.clear();
    this.#arm();
    this.#o.logger.info({ kept, restarted }, 'rules replaced (kept and restarted: states of a rule for a device)');
  }

  /**
   * The wall clock was stepped by `deltaMs`: every stored instant moves with it (durations stay
   * real), and every (rule, device) is looked at again now, on the new time line.
   */
  shiftTime(deltaMs: number): void {
    const { states, clock } = this.#o;
    for (const [ruleId, deviceId, state] of [...states.entries()]) {
      const device = this.#target(deviceId);
      const rule = device && this.#book.ruleFor(device.householdId, ruleId);
      if (rule) states.set(ruleId, deviceId, kindOf(rule).shift(state, deltaMs));
    }
    this.#gateway = { ...this.#gateway, offline: this.#gateway.offline.map(([a, b]) => [a + deltaMs, b + deltaMs] as const) };
    this.#cooldowns.shift(deltaMs);
    this.#rewakeAll(clock.now());
  }

  /** The gateway was not listening during [from, to] (a suspend): no device was silent then. */
  addOffline(from: number, to: number): void {
    this.#gateway = { ...this.#gateway, offline: [...this.#gateway.offline, [from, to] as const] };
    this.#rewakeAll(this.#o.clock.now());
  }

  #rewakeAll(now: number): void {
    for (const [ruleId, deviceId] of this.#o.states.entries()) this.#wakes.set(keyOf(ruleId, deviceId), now);
    // The armed timer's delay was computed on the old time line.
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#arm();
  }

  /** The pseudo-device a household-wide rule's state and alerts belong to. */
  #householdTarget(device: DeviceContext): DeviceContext {
    const deviceId = `household:${device.householdId}`;
    const known = this.#households.get(deviceId);
    if (known && known.heartbeatMs === device.heartbeatMs) return known;
    const target = { deviceId, householdId: device.householdId, heartbeatMs: device.heartbeatMs };
    if (!known) this.#households.set(deviceId, target);
    return target;
  }

  /** A real device, or a household pseudo-device, by id. */
  #target(deviceId: string): DeviceContext | undefined {
    return deviceId.startsWith('household:') ? this.#households.get(deviceId) : this.#devices.get(deviceId);
  }

  #apply(steps: TargetedStep[], at: number, reading?: unknown): Alert[] {
    const { states, outbox, db, gatewayId, logger } = this.#o;
    const alerts: Alert[] = [];
    // Cooldown bookkeeping: written in the transaction, applied to memory after it committed.
    const writes: Array<() => () => void> = [];
    for (const { rule, step, target } of steps) {
      if (step.anomaly) logger.warn({ rule: rule.id, device: target.deviceId, reading }, step.anomaly);
      const edge = step.edge;
      if (!edge) continue;
      const alert = toAlert(gatewayId, rule, target, edge, at);
      const held = this.#cooldowns.held(rule.id, target.deviceId);
      if (edge.kind === 'clear' && held?.episode === edge.episode) {
        // Its raise was held back by the cooldown and never sent: neither is this clear.
        writes.push(() => this.#cooldowns.drop(rule.id, target.deviceId));
        continue;
      }
      const releaseAt = edge.kind === 'raise' ? this.#cooldowns.releaseAt(rule.id, target.deviceId, at, 'cooldown' in rule ? rule.cooldown : undefined) : undefined;
      if (releaseAt !== undefined) {
        writes.push(() => this.#cooldowns.hold(rule.id, target.deviceId, { alert, episode: edge.episode, releaseAt }));
        logger.info({ rule: rule.id, device: target.deviceId, until: new Date(releaseAt).toISOString() }, `${edge.summary} (held: within the cooldown after the last clear)`);
        continue;
      }
      alerts.push(alert);
      if (edge.kind === 'clear') writes.push(() => this.#cooldowns.cleared(rule.id, target.deviceId, at));
    }
    if (alerts.length > 0 || writes.length > 0) {
      // The alerts and the state that raised them are committed first, and memory changes only
      // after: if the commit throws (disk full), the device gets no PUBACK, publishes again, and
      // the rule still sees the old state, so it raises again rather than never.
      const applyAfter = db.transaction(() => {
        outbox.enqueue(alerts, at);
        for (const { rule, step, target } of steps) states.save(rule.id, target.deviceId, step.state, at);
        return writes.map((write) => write());
      })();
      for (const apply of applyAfter) apply();
    }
    for (const { rule, step, target } of steps) {
      states.set(rule.id, target.deviceId, step.state, alerts.length === 0 && writes.length === 0);
      // A held raise wakes the rule when its cooldown ends.
      const releaseAt = this.#cooldowns.held(rule.id, target.deviceId)?.releaseAt;
      const wakeAt = step.wakeAt === undefined ? releaseAt : releaseAt === undefined ? step.wakeAt : Math.min(step.wakeAt, releaseAt);
      this.#wakes.set(keyOf(rule.id, target.deviceId), wakeAt);
    }
    this.#arm();
    if (alerts.length > 0) {
      for (const alert of alerts) logger.info({ alert: alert.id, rule: alert.rule, device: alert.deviceId, kind: alert.kind }, alert.summary);
      outbox.notify();
    }
    return alerts;
  }

  /**
   * The cooldown of a held raise is over: it goes now if its episode is still open (the
   * condition lasted), else it is forgotten.
   */
  #releaseHeld(rule: Rule, device: DeviceContext, now: number): void {
    const held = this.#cooldowns.held(rule.id, device.deviceId);
    if (!held || now < held.releaseAt) return;
    const state = this.#o.states.get(rule.id, device.deviceId) as { openEpisode?: number | null } | undefined;
    const stillOpen = state?.openEpisode === held.episode;
    const apply = this.#o.db.transaction(() => {
      if (stillOpen) this.#o.outbox.enqueue([held.alert], now);
      return this.#cooldowns.drop(rule.id, device.deviceId);
    })();
    apply();
    if (stillOpen) {
      this.#o.logger.info({ alert: held.alert.id, rule: rule.id, device: device.deviceId }, `${held.alert.summary} (sent after its cooldown: it still holds)`);
      this.#o.outbox.notify();
    }
  }

  /** Keeps one clock timer, at the earliest wake-up. */
  #arm(): void {
    if (!this.#running) return;
    const next = this.#wakes.peekTime();
    if (next === undefined || next >= this.#timerAt) return;
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = this.#o.clock.setTimeout(() => this.#wake(), next - this.#o.clock.now());
  }

  #wake(): void {
    this.#timer = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
    if (!this.#running) return;
    this.#o.checkClock?.();
    const now = this.#o.clock.now();
    for (const key of this.#wakes.popDue(now)) {
      const [ruleId, deviceId] = key.split('\u0000') as [string, string];
      const device = this.#target(deviceId);
      const rule = device && this.#book.ruleFor(device.householdId, ruleId);
      if (!device || !rule) continue;
      const ctx = { device, gateway: this.#gateway, household: this.#household(device.householdId) };
      try {
        this.#releaseHeld(rule, device, now);
        const step = kindOf(rule).evaluate(rule, this.#o.states.get(ruleId, deviceId), { type: 'tick', at: now }, ctx);
        if (!step) {
          const releaseAt = this.#cooldowns.held(ruleId, deviceId)?.releaseAt;
          if (releaseAt !== undefined) this.#wakes.set(key, releaseAt);
          continue;
        }
        this.#apply([{ rule, step, target: device }], now);
      } catch (err) {
        this.#o.logger.error({ err, rule: ruleId, device: deviceId }, 'cannot commit an alert; trying again in a second');
        this.#wakes.set(key, now + RETRY_AFTER_FAILED_COMMIT_MS);
      }
    }
    this.#arm();
  }
}

function toAlert(gatewayId: string, rule: Rule, device: DeviceContext, edge: Edge, at: number): Alert {
  return {
    id: `${gatewayId}:${rule.id}:${device.deviceId}:${edge.episode}:${edge.kind}`,
    gatewayId,
    householdId: device.householdId,
    deviceId: device.deviceId,
    rule: rule.id,
    kind: edge.kind,
    grade: edge.grade ?? rule.grade,
    at: new Date(at).toISOString(),
    summary: edge.summary,
    details: edge.details,
  };
}
