import { z } from 'zod';
import { idSchema } from '../../../lib/ids.js';
import { formatPath, InputError, type IssueReport } from '../../../lib/validation.js';
import type { HouseholdContext } from '../kinds/kind-api.js';
import { ruleSchema, type Rule } from '../kinds/registry.js';

/** Field overrides per rule id, written as in the rule itself: `{ no-water-use: { window: "12h" } }`. */
const ruleOverridesSchema = z.record(idSchema, z.record(z.string(), z.unknown()));

const absenceSchema = z
  .object({
    from: z.iso.datetime({ offset: true }).transform((t) => Date.parse(t)),
    until: z.iso.datetime({ offset: true }).transform((t) => Date.parse(t)),
    reason: z.string().max(200).optional(),
  })
  .strict()
  .refine((a) => a.from < a.until, { message: 'until must be after from', path: ['until'] });

export const householdSchema = z
  .object({
    id: idSchema,
    /** What the installer knows of the residents, e.g. living-alone, aged-80-plus. */
    tags: z.array(idSchema).default([]),
    /**
     * Reported absences (visiting family, in hospital, a trip), one or a list: the no-activity
     * rules are quiet from `from` to `until`, and their windows start again at `until`. SOS and
     * fall are never quiet. @default none
     */
    away: z
      .union([absenceSchema, z.array(absenceSchema)])
      .optional()
      .transform((a) => (a === undefined ? [] : Array.isArray(a) ? a : [a]).sort((x, y) => x.from - y.from)),
    /** This household's own changes to rules. */
    rules: ruleOverridesSchema.default({}),
  })
  .strict();
export type Household = z.output<typeof householdSchema>;

/** Stricter (or looser) figures for every household carrying all of `tags`. */
export const tagOverrideSchema = z
  .object({
    tags: z.array(idSchema).min(1),
    rules: ruleOverridesSchema,
  })
  .strict();
export type TagOverride = z.output<typeof tagOverrideSchema>;

/** The rules each household is watched by: the catalogue, then tag overrides, then its own. */
export interface RuleBook {
  rulesFor(householdId: string): readonly Rule[];
  ruleFor(householdId: string, ruleId: string): Rule | undefined;
  household(householdId: string): HouseholdContext;
}

/** A rule as a config file holds it, before its kind's schema has checked it. */
type UncheckedRule = Record<string, unknown>;

/**
 * Builds the rule book, or returns every problem with the path a user wrote it at
 * (`households[2].rules.no-water-use.window`, `tagOverrides[0].rules.sos`).
 */
export function resolveRuleBook(
  ruleInputs: readonly UncheckedRule[],
  households: readonly Household[],
  tagOverrides: readonly TagOverride[],
): { book: RuleBook; issues: [] } | { book: undefined; issues: IssueReport[] } {
  const issues: IssueReport[] = [];
  const ids = new Set(ruleInputs.map((r) => String(r.id)));
  const unknownRules = (overrides: Record<string, unknown>, path: Array<string | number>) => {
    for (const id of Object.keys(overrides)) {
      if (!ids.has(id)) issues.push({ path: formatPath([...path, id]), message: `no rule has the id "${id}"; rules: ${[...ids].join(', ')}` });
    }
  };
  tagOverrides.forEach((t, j) => unknownRules(t.rules, ['tagOverrides', j, 'rules']));
  households.forEach((h, i) => unknownRules(h.rules, ['households', i, 'rules']));

  let defaults: Rule[] = [];
  const resolve = (household: Household | undefined, index: number): Rule[] =>
    ruleInputs.flatMap((base, r) => {
      const id = String(base.id);
      // No override for this household: share the catalogue's parsed rule (a city-wide rule with
      // thousands of fences is not copied for every household).
      const touched = household !== undefined && (household.rules[id] !== undefined || tagOverrides.some((t) => t.rules[id] !== undefined && t.tags.every((tag) => household.tags.includes(tag))));
      const shared = household !== undefined && !touched ? defaults.find((d) => d.id === id) : undefined;
      if (shared) return [shared];
      const merged: UncheckedRule = { ...base };
      const origin = new Map<string, Array<string | number>>(Object.keys(base).map((k) => [k, ['rules', r]]));
      const apply = (fields: Record<string, unknown> | undefined, at: Array<string | number>) => {
        for (const [field, value] of Object.entries(fields ?? {})) {
          if (field === 'id' || field === 'kind') {
            issues.push({ path: formatPath([...at, field]), message: `the ${field} of a rule cannot be overridden` });
            continue;
          }
          merged[field] = mergeDeep(merged[field], value);
          origin.set(field, at);
        }
      };
      tagOverrides.forEach((t, j) => {
        if (household && t.tags.every((tag) => household.tags.includes(tag))) apply(t.rules[id], ['tagOverrides', j, 'rules', id]);
      });
      if (household) apply(household.rules[id], ['households', index, 'rules', id]);
      const parsed = ruleSchema.safeParse(merged);
      if (parsed.success) return [parsed.data];
      for (const issue of parsed.error.issues) {
        const [field, ...rest] = issue.path;
        const at = (typeof field === 'string' && origin.get(field)) || ['rules', r];
        issues.push({ path: formatPath([...at, ...(field === undefined ? [] : [field]), ...rest]), message: issue.message });
      }
      return [];
    });

  defaults = resolve(undefined, -1);
  const byHousehold = new Map<string, { rules: Rule[]; byId: Map<string, Rule>; context: HouseholdContext }>();
  households.forEach((h, i) => {
    const rules = resolve(h, i);
    byHousehold.set(h.id, {
      rules,
      byId: new Map(rules.map((rule) => [rule.id, rule])),
      context: { id: h.id, tags: h.tags, absences: h.away.map((a) => ({ from: a.from, until: a.until })) },
    });
  });
  if (issues.length > 0) return { book: undefined, issues };

  const defaultsById = new Map(defaults.map((rule) => [rule.id, rule]));
  return {
    issues: [],
    book: {
      rulesFor: (householdId) => byHousehold.get(householdId)?.rules ?? defaults,
      ruleFor: (householdId, ruleId) => (byHousehold.get(householdId)?.byId ?? defaultsById).get(ruleId),
      household: (householdId) => byHousehold.get(householdId)?.context ?? { id: householdId, tags: [], absences: [] },
    },
  };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An override of `night: { limitDba: 50 }` changes the limit and keeps the rule's hours. Arrays are replaced whole. */
function mergeDeep(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = mergeDeep(base[k], v);
  return out;
}

/** resolveRuleBook for code that has validated its config already: throws the issues. */
export function buildRuleBook(ruleInputs: readonly UncheckedRule[], households: readonly Household[] = [], tagOverrides: readonly TagOverride[] = []): RuleBook {
  const result = resolveRuleBook(ruleInputs, households, tagOverrides);
  if (result.book) return result.book;
  throw new InputError(`rules are not valid:\n${result.issues.map((i) => `${i.path}: ${i.message}`).join('\n')}`, result.issues);
}
