import { z } from 'zod';
import { durationSchema } from '../lib/time/duration.js';
import { metricSchema } from '../contract/metrics.js';

/** Register types in the words Home Assistant's modbus integration uses; the count follows from the type. */
export const REGISTERS_OF = { int16: 1, uint16: 1, int32: 2, uint32: 2, float32: 2, float64: 4 } as const;
export type DataType = keyof typeof REGISTERS_OF;
export const dataTypeSchema = z.enum(Object.keys(REGISTERS_OF) as [DataType, ...DataType[]]);

/**
 * One value of a register map. `address` is 0-based, as on the wire; the manual's 3xxxx (input)
 * or 4xxxx (holding) number is address + 1 after the leading digit (30001 is input 0).
 */
export const modbusPointSchema = z
  .object({
    metric: metricSchema,
    /** holding: function 03; input: function 04. */
    inputType: z.enum(['holding', 'input']),
    address: z.number().int().min(0).max(65535),
    dataType: dataTypeSchema,
    /** Optional, and checked: the count follows from dataType. */
    count: z.number().int().positive().optional(),
    /** @default 1 */
    scale: z.number().finite().default(1),
    /** @default 0 */
    offset: z.number().finite().default(0),
    /** Byte order inside a register (ThingsBoard's byteOrder). @default big */
    byteOrder: z.enum(['big', 'little']).default('big'),
    /** Register order of a 32/64-bit value (ThingsBoard's wordOrder). @default big */
    wordOrder: z.enum(['big', 'little']).default('big'),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const needs = REGISTERS_OF[p.dataType];
    if (p.count !== undefined && p.count !== needs) {
      ctx.addIssue({ code: 'custom', path: ['dataType'], message: `${p.dataType} needs ${needs} register${needs > 1 ? 's' : ''}, not ${p.count}` });
    }
    if (p.address + needs - 1 > 65535) {
      ctx.addIssue({ code: 'custom', path: ['address'], message: `${p.dataType} at ${p.address} needs ${needs} registers, past the last address 65535` });
    }
  });
export type ModbusPoint = z.output<typeof modbusPointSchema>;

/** A reply as a poller sees it: the registers read from `address` on, as unsigned 16-bit words. */
export const modbusReadSchema = z
  .object({
    inputType: z.enum(['holding', 'input']),
    address: z.number().int().min(0).max(65535),
    words: z.array(z.number().int().min(0).max(0xffff)).min(1).max(125),
  })
  .strict();
export type ModbusRead = z.infer<typeof modbusReadSchema>;

export const modbusFixtureSchema = z
  .object({
    reads: z.array(modbusReadSchema).min(1),
    expect: z.partialRecord(metricSchema, z.number()).optional(),
    rejectReason: z.string().optional(),
  })
  .strict();

/** The serial line of an RS-485 device (ignored over Modbus TCP). */
export const serialLineSchema = z
  .object({
    baudRate: z.number().int().positive(),
    /** @default none */
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    /** @default 8 */
    dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
    /** @default 1 */
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  })
  .strict();

export const modbusTransportFields = {
  transport: z.literal('modbus'),
  /** The slave (unit) id the device answers to by default. @default 1 */
  unitId: z.number().int().min(0).max(247).default(1),
  /** The device's factory default serial settings. */
  serial: serialLineSchema,
  /** How often it is polled. */
  pollInterval: durationSchema,
  /** How long a reply may take before the poll counts as a timeout. @default "1s" */
  responseTimeout: durationSchema.default(1_000),
  points: z.array(modbusPointSchema).min(1),
  fixtures: z.array(modbusFixtureSchema).min(1, 'every profile proves itself with at least one fixture'),
};
