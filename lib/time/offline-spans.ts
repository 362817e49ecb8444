/** [from, to] in ms: a span during which a process (the gateway) was not running. */
export type OfflineSpan = readonly [number, number];

/** How much of [from, to] falls in the spans. */
export function offlineWithin(spans: readonly OfflineSpan[], from: number, to: number): number {
  let total = 0;
  for (const [a, b] of spans) total += Math.max(0, Math.min(b, to) - Math.max(a, from));
  return total;
}

/** How long a device was silent between `from` and `to`, not counting the spans the gateway was down. */
export function silenceBetween(spans: readonly OfflineSpan[], from: number, to: number): number {
  return to - from - offlineWithin(spans, from, to);
}
