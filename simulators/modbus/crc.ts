const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-16/MODBUS (reflected polynomial 0xA001, initial 0xFFFF), as an RTU frame ends with it, low byte first. */
export function crc16Modbus(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) crc = (crc >>> 8) ^ TABLE[(crc ^ b) & 0xff]!;
  return crc;
}

/** `body` with its CRC appended: a complete RTU frame. */
export function withCrc(body: Uint8Array): Buffer {
  const frame = Buffer.alloc(body.length + 2);
  frame.set(body);
  frame.writeUInt16LE(crc16Modbus(body), body.length);
  return frame;
}

/** Whether `frame` (body and CRC) passes its check. */
export function crcOk(frame: Uint8Array): boolean {
  if (frame.length < 4) return false;
  const crc = crc16Modbus(frame.subarray(0, frame.length - 2));
  return frame[frame.length - 2] === (crc & 0xff) && frame[frame.length - 1] === crc >>> 8;
}

/** The length of the shortest frame at the start of `buf`, `min` bytes or more, whose CRC checks; undefined when none does. */
export function firstCrcMatch(buf: Uint8Array, min: number, max: number): number | undefined {
  let crc = 0xffff;
  for (let n = 0; n + 2 <= Math.min(buf.length, max); n++) {
    if (n + 2 >= min && buf[n] === (crc & 0xff) && buf[n + 1] === crc >>> 8) return n + 2;
    crc = (crc >>> 8) ^ TABLE[(crc ^ buf[n]!) & 0xff]!;
  }
  return undefined;
}
