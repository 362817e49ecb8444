import { z } from 'zod';
import { idSchema } from '../../lib/ids.js';
import { phoneSchema } from './phone.js';

/** What the registry takes from outside (the API, `gridwatch provision import`): checked here, once. */

export const PLACE_LEVELS = ['city', 'district', 'street', 'community', 'grid'] as const;
export const placeLevelSchema = z.enum(PLACE_LEVELS);

const nameSchema = z.string().trim().min(1).max(100);
const textSchema = z.string().trim().max(200);

export const placeInputSchema = z
  .object({
    id: idSchema,
    /** Absent for a city only. */
    parentId: idSchema.optional(),
    level: placeLevelSchema,
    name: nameSchema,
  })
  .strict();
export type PlaceInput = z.infer<typeof placeInputSchema>;

const latSchema = z.number().min(-90).max(90);
const lonSchema = z.number().min(-180).max(180);

export const compoundInputSchema = z
  .object({ id: idSchema, communityId: idSchema, name: nameSchema, address: textSchema, lat: latSchema, lon: lonSchema })
  .strict();
export type CompoundInput = z.infer<typeof compoundInputSchema>;

/** No ID-card number is ever taken: a name that is one (18 characters, digits and a final X) is refused. */
const personNameSchema = nameSchema.refine((s) => !/^\d{17}[\dXx]$/.test(s), 'this looks like an ID-card number: give the name (ID numbers are never stored)');

export const residentInputSchema = z
  .object({
    name: personNameSchema,
    phone: phoneSchema.optional(),
    birthYear: z.number().int().min(1900).max(2100),
    birthMonth: z.number().int().min(1).max(12),
  })
  .strict();

export const contactInputSchema = z
  .object({
    name: personNameSchema,
    relation: z.string().trim().min(1).max(20),
    phone: phoneSchema,
    /** The contact agreed to be called (recorded when asked); without it they are never called. */
    consent: z.boolean(),
  })
  .strict();

export const householdInputSchema = z
  .object({
    id: idSchema,
    gridId: idSchema,
    compoundId: idSchema.optional(),
    building: textSchema.default(''),
    unit: textSchema.default(''),
    room: textSchema.default(''),
    address: textSchema,
    lat: latSchema.optional(),
    lon: lonSchema.optional(),
    /** Tag ids from the dictionary; age tags are derived from the residents and may not be given. */
    tags: z.array(idSchema).max(30).default([]),
    residents: z.array(residentInputSchema).max(20).default([]),
    /** In calling order. */
    contacts: z.array(contactInputSchema).max(10).default([]),
  })
  .strict()
  .refine((h) => (h.lat === undefined) === (h.lon === undefined), { message: 'give both lat and lon, or neither', path: ['lat'] });
export type HouseholdInput = z.input<typeof householdInputSchema>;
export type HouseholdParsed = z.output<typeof householdInputSchema>;

export const absenceInputSchema = z
  .object({
    from: z.iso.datetime({ offset: true }),
    until: z.iso.datetime({ offset: true }),
    reason: z.string().trim().max(200).default(''),
  })
  .strict()
  .refine((a) => Date.parse(a.until) > Date.parse(a.from), { message: 'until must be after from', path: ['until'] });
export type AbsenceInput = z.input<typeof absenceInputSchema>;
