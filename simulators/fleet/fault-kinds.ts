import type { z } from 'zod';
import { InputError } from '../../lib/validation.js';
import { dlt645FaultSchema } from '../dlt645/meters.js';
import { modbusFaultSchema } from '../modbus/slaves.js';
import { mqttFaultSchema } from '../mqtt/device.js';

/**
 * The faults a simulated device takes depend on how it talks: this is the list per protocol, as
 * a config file writes them, so that a wrong one is refused with what would have been right.
 */
export const FAULT_KINDS = {
  mqtt: { schema: mqttFaultSchema, device: 'an MQTT device', takes: 'none, silent, garbage' },
  watch: { schema: mqttFaultSchema, device: 'a 4G wristband', takes: 'none, silent, garbage' },
  modbus: { schema: modbusFaultSchema, device: 'a Modbus device', takes: 'none, silent, crc, garbage, { slow: "3s" }, { exception: 4 }, { exception: 2, register: 342 }' },
  dlt645: { schema: dlt645FaultSchema, device: 'a DL/T 645 meter', takes: 'none, silent, checksum, garbage, { slow: "3s" }, { error: 2 }' },
} as const;
export type FaultKind = keyof typeof FAULT_KINDS;

/** `fault` as a device of that kind takes it, or an InputError naming `where` and the faults it takes. */
export function parseFault<K extends FaultKind>(kind: K, fault: unknown, where: string): z.output<(typeof FAULT_KINDS)[K]['schema']> {
  const { schema, device, takes } = FAULT_KINDS[kind];
  const parsed = schema.safeParse(fault);
  if (parsed.success) return parsed.data as z.output<(typeof FAULT_KINDS)[K]['schema']>;
  throw new InputError(`${where}: ${JSON.stringify(fault)} is not a fault ${device} takes; write one of ${takes}`);
}
