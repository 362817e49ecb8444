/**
 * The application layer of a Modbus slave, whatever the framing (RTU or TCP): a request PDU
 * (function code and data) in, the reply PDU out, with the exceptions a real device gives.
 */

export const ILLEGAL_FUNCTION = 0x01;
export const ILLEGAL_DATA_ADDRESS = 0x02;
export const ILLEGAL_DATA_VALUE = 0x03;
/** The device could not do what was asked (here: a register cannot hold its value). */
export const SERVER_DEVICE_FAILURE = 0x04;
/** What a Modbus TCP gateway answers when the RS-485 device behind it gave no usable reply. */
export const GATEWAY_TARGET_FAILED = 0x0b;

export type ModbusTable = 'coils' | 'discrete' | 'holding' | 'input';

/** Reads 01..04, the table each reads, and the most one request may ask for (bits or registers). */
const READS: Record<number, { table: ModbusTable; max: number }> = {
  0x01: { table: 'coils', max: 2000 },
  0x02: { table: 'discrete', max: 2000 },
  0x03: { table: 'holding', max: 125 },
  0x04: { table: 'input', max: 125 },
};

/** What one device holds at the time of a request. */
export interface ModbusDataModel {
  /** Whether the device has this address in that table. */
  has(table: ModbusTable, address: number): boolean;
  /** A register's word, or a bit as 0/1; 0 for an address the device has but no value for. */
  value(table: ModbusTable, address: number): number;
}

export function exceptionPdu(functionCode: number, code: number): Buffer {
  return Buffer.from([(functionCode | 0x80) & 0xff, code & 0xff]);
}

/**
 * The reply to `request`. The checks go in the order of the specification's state diagrams:
 * function (01), quantity (03), address (02). A read is refused with 02 when its first or last
 * address is not the device's (as an SDM120 does); addresses between two of its values that it
 * has no value for read 0, so a master may merge neighbouring values into one read.
 */
export function answerPdu(request: Buffer, model: ModbusDataModel): Buffer {
  const functionCode = request[0] ?? 0;
  const read = READS[functionCode];
  if (!read) return exceptionPdu(functionCode, ILLEGAL_FUNCTION);
  if (request.length !== 5) return exceptionPdu(functionCode, ILLEGAL_DATA_VALUE);
  const address = request.readUInt16BE(1);
  const count = request.readUInt16BE(3);
  if (count < 1 || count > read.max) return exceptionPdu(functionCode, ILLEGAL_DATA_VALUE);
  const last = address + count - 1;
  if (last > 0xffff || !model.has(read.table, address) || !model.has(read.table, last)) return exceptionPdu(functionCode, ILLEGAL_DATA_ADDRESS);
  if (read.table === 'coils' || read.table === 'discrete') {
    const bytes = Buffer.alloc(Math.ceil(count / 8));
    for (let i = 0; i < count; i++) if (model.value(read.table, address + i)) bytes[i >> 3] = (bytes[i >> 3] ?? 0) | (1 << (i & 7));
    return Buffer.concat([Buffer.from([functionCode, bytes.length]), bytes]);
  }
  const reply = Buffer.alloc(2 + 2 * count);
  reply[0] = functionCode;
  reply[1] = 2 * count;
  for (let i = 0; i < count; i++) reply.writeUInt16BE(model.value(read.table, address + i) & 0xffff, 2 + 2 * i);
  return reply;
}
