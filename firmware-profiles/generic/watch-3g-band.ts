import type { ProfileInput } from '../schema.js';

/**
 * A 4G SOS wristband on the "3G watch" protocol (the text protocol of the common elder bands, as
 * in the SeTracker family: `[3G*<id>*<len>*<command>]` over TCP): it links in with LK every few
 * minutes, reports position with UD, an alarm (SOS key bit 16, fall bits 21-22) with AL, and heart
 * rate with bphrt. Frames below are from public protocol traces.
 */
export const watch3gBand: ProfileInput = {
  id: 'generic/watch-3g-band',
  vendor: 'generic',
  model: 'watch-3g-band',
  description: '4G wristband on the 3G watch protocol: SOS, fall, heart rate, position, battery',
  transport: 'watch-3g',
  // LK every 5 min on the bands sold to pilots; 10 min leaves room for a missed link.
  heartbeat: '10m',
  fixtures: [
    { frame: '[3G*8800000015*0002*LK]', expect: {} },
    { frame: '[3G*8800000015*000D*LK,50,100,100]', expect: { battery_pct: 100 } },
    {
      frame: '[3G*9031853319*004E*UD2,220322,055105,A,22.761162,N,114.360192,E,0,0,47,14,100,64,0,0,00000008,0,0]',
      expect: { latitude_deg: 22.761162, longitude_deg: 114.360192, battery_pct: 64 },
    },
    {
      frame: '[3G*8809008845*0066*AL,271219,094744,V,00.000000,N, 0.0000000,E,0.00,0.0,0.0,0,100,81,0,0,00010000,7,0,460,0,9336,3981,141]',
      expect: { battery_pct: 81 },
      expectEvents: ['sos'],
    },
    {
      frame: '[3G*8308373902*005B*AL,230817,095346,A,47.083950,N,15.4821850,E,7.60,273.8,0.0,4,15,44,0,0,00200010,2,255,232,1]',
      expect: { latitude_deg: 47.08395, longitude_deg: 15.482185, battery_pct: 44 },
      expectEvents: ['fall'],
    },
    { frame: '[3G*4700609403*0013*bphrt,120,79,73,,,,]', expect: { heart_rate_bpm: 73 } },
    // An alarm whose status is not hex is rejected here; the gateway still raises it as an unreadable alarm.
    { frame: '[3G*8809008845*003D*AL,271219,094744,A,22.5,N,114.0,E,0,0,0,0,100,81,0,0,0001000G]', rejectReason: 'status' },
  ],
};
