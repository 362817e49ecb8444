/**
 * What one 3G watch connection sent that made no sense: counted, so that it is logged once per
 * connection rather than once per byte, and a connection that keeps sending nothing but garbage
 * is closed (a band that garbles a message now and then sends good ones in between).
 */
export class WatchInputGuard {
  /** Malformed pieces (skipped bytes, messages not understood) on this connection. */
  malformed = 0;
  /** Bytes skipped on this connection. */
  skippedBytes = 0;
  /** The first reason, for the one log line. */
  firstReason: string | undefined;
  #piecesSinceGood = 0;
  #bytesSinceGood = 0;

  constructor(private readonly limits: { maxPiecesInARow: number; maxBytesInARow: number }) {}

  /** Records one malformed piece; true when this is the first on the connection (log it). */
  record(reason: string, bytes: number): boolean {
    this.malformed++;
    this.skippedBytes += bytes;
    this.#piecesSinceGood++;
    this.#bytesSinceGood += bytes;
    if (this.firstReason !== undefined) return false;
    this.firstReason = reason;
    return true;
  }

  /** A message that made sense: the garbage before it was a glitch, not a stream of it. */
  good(): void {
    this.#piecesSinceGood = 0;
    this.#bytesSinceGood = 0;
  }

  /** Garbage and nothing else for longer than any band garbles: close the connection. */
  get hopeless(): boolean {
    return this.#piecesSinceGood > this.limits.maxPiecesInARow || this.#bytesSinceGood > this.limits.maxBytesInARow;
  }
}
