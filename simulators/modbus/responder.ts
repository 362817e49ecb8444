import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { writeLater } from '../faults.js';
import { crcOk, firstCrcMatch, withCrc } from './crc.js';
import { GATEWAY_TARGET_FAILED, exceptionPdu } from './pdu.js';
import type { SimulatedSlaves } from './slaves.js';

/** The longest RTU frame (the specification's 256 bytes). */
const MAX_RTU_FRAME = 256;
/**
 * Bytes that end no frame and are followed by this much silence are judged and dropped, as a
 * slave's 3.5-character gap does. Generous: a pty or a TCP hop may split a frame in pieces.
 */
const RTU_IDLE_MS = 50;

/** Requests of a fixed length, CRC included. */
const FIXED_LENGTH: Record<number, number> = { 1: 8, 2: 8, 3: 8, 4: 8, 5: 8, 6: 8, 7: 4, 8: 8, 11: 4, 12: 4, 17: 4, 22: 10, 43: 7 };
/** Requests that carry a byte count: where it is, and the length without the counted bytes. */
const COUNTED_LENGTH: Record<number, { at: number; base: number }> = { 15: { at: 6, base: 9 }, 16: { at: 6, base: 9 }, 20: { at: 2, base: 5 }, 21: { at: 2, base: 5 }, 23: { at: 10, base: 13 } };

/**
 * How long the RTU request at the start of `buf` is, from its function code, or undefined when
 * more bytes are needed to tell. RS-485 carries no frame boundaries a byte stream could keep, so
 * this is how a slave on a TCP link (or a pty that splits writes) finds them. For a function it
 * does not know, the frame ends where a CRC matches.
 */
export function rtuRequestLength(buf: Buffer): number | undefined {
  if (buf.length < 2) return undefined;
  const fc = buf[1]!;
  const fixed = FIXED_LENGTH[fc];
  if (fixed !== undefined) return fixed;
  const counted = COUNTED_LENGTH[fc];
  if (counted) return buf.length > counted.at ? counted.base + buf[counted.at]! : undefined;
  return firstCrcMatch(buf, 4, MAX_RTU_FRAME) ?? (buf.length >= MAX_RTU_FRAME ? MAX_RTU_FRAME : undefined);
}

/**
 * Answers Modbus RTU requests arriving on `stream` (a serial port, or a socket of a serial
 * device server) for the slaves on this line, in RTU framing: unit id, PDU, CRC-16 low byte
 * first. A frame that fails its CRC is not a request: the first byte is dropped and the search
 * goes on from the next. Requests for other units are ignored, as on a shared bus.
 */
export function serveRtu(stream: Duplex, slaves: SimulatedSlaves): void {
  let buffer: Buffer = Buffer.alloc(0);
  let idle: NodeJS.Timeout | null = null;

  const respond = (frame: Buffer) => {
    const unitId = frame[0]!;
    const answer = slaves.answer(unitId, frame.subarray(1, frame.length - 2));
    if (!answer) return;
    let reply: Buffer = withCrc(Buffer.concat([Buffer.from([unitId]), answer.pdu]));
    if (answer.damage === 'crc') reply.writeUInt16LE(reply.readUInt16LE(reply.length - 2) ^ 0xffff, reply.length - 2);
    if (answer.damage === 'garbage') reply = slaves.garbage(reply.length);
    writeLater(stream, reply, answer.delayMs);
  };

  /** Takes every complete frame off the buffer; with `flush`, an incomplete start is given up a byte at a time. */
  const parse = (flush: boolean) => {
    while (buffer.length > 0) {
      const length = rtuRequestLength(buffer);
      if (length === undefined || length > buffer.length) {
        if (!flush) return;
        buffer = buffer.subarray(1);
        continue;
      }
      const frame = buffer.subarray(0, length);
      if (!crcOk(frame)) {
        buffer = buffer.subarray(1);
        continue;
      }
      buffer = buffer.subarray(length);
      respond(frame);
    }
  };

  stream.on('data', (chunk: Buffer) => {
    buffer = buffer.length > 0 ? Buffer.concat([buffer, chunk]) : chunk;
    parse(false);
    if (idle) clearTimeout(idle);
    idle = buffer.length > 0 ? setTimeout(() => parse(true), RTU_IDLE_MS).unref() : null;
  });
  stream.on('close', () => idle && clearTimeout(idle));
  stream.on('error', () => undefined);
}

/**
 * Answers Modbus TCP on `socket`: MBAP header (transaction id, protocol 0, length, unit id), then
 * the PDU; replies carry the request's transaction id, so a master may pipeline. A header that is
 * not Modbus (protocol id not 0, impossible length) closes the connection, as servers do: there
 * is no finding the next frame in a stream that lost its framing.
 */
export function serveMbap(socket: Socket, slaves: SimulatedSlaves): void {
  let buffer: Buffer = Buffer.alloc(0);

  const respond = (transactionId: number, unitId: number, pdu: Buffer) => {
    const answer = slaves.answer(unitId, pdu);
    if (!answer) return;
    const replyPdu = answer.damage === 'crc' ? exceptionPdu(pdu[0] ?? 0, GATEWAY_TARGET_FAILED) : answer.pdu;
    let reply: Buffer = Buffer.alloc(7 + replyPdu.length);
    reply.writeUInt16BE(transactionId, 0);
    reply.writeUInt16BE(0, 2);
    reply.writeUInt16BE(1 + replyPdu.length, 4);
    reply[6] = unitId;
    replyPdu.copy(reply, 7);
    if (answer.damage === 'garbage') reply = slaves.garbage(reply.length);
    writeLater(socket, reply, answer.delayMs);
  };

  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length > 0 ? Buffer.concat([buffer, chunk]) : chunk;
    while (buffer.length >= 7) {
      const length = buffer.readUInt16BE(4);
      if (buffer.readUInt16BE(2) !== 0 || length < 2 || length > 254) {
        socket.destroy();
        return;
      }
      if (buffer.length < 6 + length) return;
      respond(buffer.readUInt16BE(0), buffer[6]!, buffer.subarray(7, 6 + length));
      buffer = buffer.subarray(6 + length);
    }
  });
  socket.on('error', () => undefined);
}
