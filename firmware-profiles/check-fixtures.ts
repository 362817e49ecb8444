import { decodeJsonPayload } from './codecs/json.js';
import { decodeDlt645Replies } from './codecs/dlt645.js';
import { decodeModbusPoints } from './codecs/modbus.js';
import { decodeWatchMessage, parseWatchMessage } from './codecs/watch-3g.js';
import type { Profile } from './schema.js';

// float32 holds ~7 significant digits; BCD and integers are exact.
const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

/**
 * Runs a profile's fixtures through its decoder: a profile must decode its own sample frames as it
 * says (float32 values to about 7 digits). Returns one line per fixture that does not.
 */
export function fixtureProblems(profile: Profile): string[] {
  const problems: string[] = [];
  const compare = (i: number, result: { ok: true; metrics: Record<string, number | undefined> } | { ok: false; reason: string }, expect: Record<string, number | undefined> | undefined, rejectReason: string | undefined) => {
    if (!expect) {
      if (result.ok) problems.push(`fixtures[${i}]: decodes, but should be rejected`);
      else if (rejectReason && !result.reason.includes(rejectReason)) problems.push(`fixtures[${i}]: rejected for "${result.reason}", not "${rejectReason}"`);
      return;
    }
    if (!result.ok) return problems.push(`fixtures[${i}]: rejected: ${result.reason}`);
    for (const [metric, value] of Object.entries(expect)) {
      const got = result.metrics[metric];
      if (got === undefined || value === undefined || !close(got, value)) problems.push(`fixtures[${i}].expect.${metric}: decodes to ${got}, not ${value}`);
    }
  };
  if (profile.transport === 'mqtt-json') {
    profile.fixtures.forEach((f, i) => compare(i, decodeJsonPayload(profile, Buffer.from(f.payload)), f.expect, f.rejectReason));
  } else if (profile.transport === 'modbus') {
    profile.fixtures.forEach((f, i) => compare(i, decodeModbusPoints(profile, f.reads), f.expect, f.rejectReason));
  } else if (profile.transport === 'watch-3g') {
    profile.fixtures.forEach((f, i) => {
      const parsed = parseWatchMessage(Buffer.from(f.frame, 'latin1'));
      const decoded = parsed.ok === true ? decodeWatchMessage(parsed.message) : undefined;
      const result =
        parsed.ok !== true
          ? { ok: false as const, reason: parsed.ok === false ? parsed.reason : 'frame cut short' }
          : decoded === undefined
            ? { ok: false as const, reason: `${parsed.message.command} carries no reading` }
            : 'error' in decoded
              ? { ok: false as const, reason: decoded.error }
              : { ok: true as const, metrics: decoded.metrics, events: decoded.events };
      compare(i, result, f.expect, f.rejectReason);
      const events = result.ok ? result.events : [];
      if (result.ok && JSON.stringify([...events].sort()) !== JSON.stringify([...(f.expectEvents ?? [])].sort())) {
        problems.push(`fixtures[${i}].expectEvents: decodes to [${events.join(', ')}], not [${(f.expectEvents ?? []).join(', ')}]`);
      }
    });
  } else {
    profile.fixtures.forEach((f, i) => {
      const replies = f.replies.map((h) => Buffer.from(h.replace(/ /g, ''), 'hex'));
      compare(i, decodeDlt645Replies(profile.points, f.address, replies), f.expect, f.rejectReason);
    });
  }
  return problems;
}
