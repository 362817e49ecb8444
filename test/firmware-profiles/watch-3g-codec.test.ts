import { describe, expect, test } from 'vitest';
import { decodeWatchMessage, parseWatchMessage, watchReply } from '../../firmware-profiles/codecs/watch-3g.js';

/** Messages from Traccar's WatchProtocolDecoderTest (public samples of real watches). */
const TRACCAR = {
  ud2: '[3G*9031853319*004E*UD2,220322,055105,A,22.761162,N,114.360192,E,0,0,47,14,100,64,0,0,00000008,0,0]',
  udWest: '[SG*9059056143*0053*UD,251021,223408,A,41.46500,N,081.53128,W,0.926,000,0,00,70,70,0,50,00000000,0,1,,,,00]',
  alSos: '[3G*8809008845*00C0*AL,271219,094744,V,00.000000,N, 0.0000000,E,0.00,0.0,0.0,0,100,81,0,0,00010000,7,0,460,0,9336,3981,141,9336,3912,141,9336,3982,140,9765,4233,134,9765,4071,134,9765,4321,134,9336,4353,132,0,0.0]',
  alFall: '[3G*8308373902*0080*AL,230817,095346,A,47.083950,N,15.4821850,E,7.60,273.8,0.0,4,15,44,0,0,00200010,2,255,232,1,7605,42530,118,7605,58036,119,0,65.8]',
  zjAl: '[ZJ*014111001332708*0075*0064*AL,040418,052156,A,22.536207,N,113.938673,E,0,0,0,5,100,82,1000,50,00100000,1,255,460,0,9340,3663,35]',
  bphrt: '[3G*4700609403*0013*bphrt,120,79,73,,,,]',
};
const parse = (text: string) => {
  const r = parseWatchMessage(Buffer.from(text, 'latin1'));
  if (r.ok !== true) throw new Error(`not parsed: ${JSON.stringify(r)}`);
  return r;
};

describe('the 3G watch protocol, on real samples', () => {
  test('a position report: valid fix and battery', () => {
    const { message, length } = parse(TRACCAR.ud2);
    expect(message).toMatchObject({ vendor: '3G', deviceId: '9031853319', command: 'UD2' });
    expect(length).toBe(TRACCAR.ud2.length);
    expect(decodeWatchMessage(message)).toEqual({ metrics: { latitude_deg: 22.761162, longitude_deg: 114.360192, battery_pct: 64 }, events: [] });
  });

  test('west longitude is negative (and a wrong length field on a text message is tolerated, as in this sample)', () => {
    expect(decodeWatchMessage(parse(TRACCAR.udWest).message)).toMatchObject({ metrics: { latitude_deg: 41.465, longitude_deg: -81.53128 } });
  });

  test('AL with status bit 16 is an SOS; its fix is not valid (V) and gives no position', () => {
    expect(decodeWatchMessage(parse(TRACCAR.alSos).message)).toEqual({ metrics: { battery_pct: 81 }, events: ['sos'] });
  });

  test('AL with status bit 21 is a fall', () => {
    expect(decodeWatchMessage(parse(TRACCAR.alFall).message)).toMatchObject({ events: ['fall'] });
  });

  test('the ZJ vendor has a sequence number after the id, and gets it back in the reply', () => {
    const { message } = parse(TRACCAR.zjAl);
    expect(message).toMatchObject({ vendor: 'ZJ', deviceId: '014111001332708', index: '0075', command: 'AL' });
    expect(watchReply(message)!.toString()).toBe('[ZJ*014111001332708*0075*0002*AL]');
  });

  test('bphrt gives the heart rate', () => {
    expect(decodeWatchMessage(parse(TRACCAR.bphrt).message)).toEqual({ metrics: { heart_rate_bpm: 73 }, events: [] });
  });

  test('LK is echoed, with its battery as a reading; AL is acknowledged; UD is not answered', () => {
    const lk = parse('[3G*8800000015*000D*LK,50,100,100]').message;
    expect(watchReply(lk)!.toString()).toBe('[3G*8800000015*0002*LK]');
    expect(decodeWatchMessage(lk)).toEqual({ metrics: { battery_pct: 100 }, events: [] });
    expect(watchReply(parse(TRACCAR.alSos).message)!.toString()).toBe('[3G*8809008845*0002*AL]');
    expect(watchReply(parse(TRACCAR.ud2).message)).toBeUndefined();
  });

  test('a stream: two messages in one chunk, one cut in two, and garbage before a message', () => {
    const noisy = Buffer.from(`xx${TRACCAR.bphrt}${TRACCAR.ud2}`, 'latin1');
    expect(parseWatchMessage(noisy)).toEqual({ ok: false, reason: '2 bytes before a message', skip: 2 });
    const stream = noisy.subarray(2);
    const first = parseWatchMessage(stream);
    expect(first.ok).toBe(true);
    if (first.ok !== true) return;
    expect(first.message.command).toBe('bphrt');
    expect(parseWatchMessage(stream.subarray(first.length)).ok).toBe(true);
    expect(parseWatchMessage(Buffer.from(TRACCAR.ud2.slice(0, 40), 'latin1')).ok).toBe('incomplete');
  });

  test('binary content whose length does not end at ] is refused, with the bytes to skip', () => {
    const r = parseWatchMessage(Buffer.concat([Buffer.from('[3G*1234567890*0003*TK,', 'latin1'), Buffer.from([0x01, 0x02, 0x03, 0x04, 0x5d])]));
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/does not end at \]/) });
  });
});
