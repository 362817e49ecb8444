/**
 * When each (rule, device) wants to be looked at again: a min-heap of [at, key] with lazy
 * deletion (a key's entry counts only while it matches the key's current time), so moving a
 * wake-up on every reading costs O(log n) and nothing is searched.
 */
export class WakeQueue {
  readonly #current = new Map<string, number>();
  #heap: Array<[number, string]> = [];

  get size(): number {
    return this.#current.size;
  }

  /** Sets (or, with undefined, removes) the wake-up of a key. */
  set(key: string, at: number | undefined): void {
    if (at === undefined) {
      this.#current.delete(key);
      return;
    }
    if (this.#current.get(key) === at) return;
    this.#current.set(key, at);
    this.#push([at, key]);
    // Stale entries pile up when wake-ups move often: rebuild once they outnumber live ones.
    if (this.#heap.length > 64 && this.#heap.length > 4 * this.#current.size) this.#rebuild();
  }

  /** The earliest live wake-up time, if any. */
  peekTime(): number | undefined {
    this.#dropStale();
    return this.#heap[0]?.[0];
  }

  /** Removes and returns the keys due at or before `now`, earliest first. */
  popDue(now: number): string[] {
    const due: string[] = [];
    for (;;) {
      this.#dropStale();
      const top = this.#heap[0];
      if (!top || top[0] > now) return due;
      this.#pop();
      this.#current.delete(top[1]);
      due.push(top[1]);
    }
  }

  #dropStale(): void {
    while (this.#heap.length > 0) {
      const [at, key] = this.#heap[0]!;
      if (this.#current.get(key) === at) return;
      this.#pop();
    }
  }

  #rebuild(): void {
    this.#heap = [...this.#current].map(([key, at]) => [at, key]);
    for (let i = (this.#heap.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  #push(entry: [number, string]): void {
    const h = this.#heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]![0] <= entry[0]) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = entry;
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    this.#down(0);
  }

  #down(i: number): void {
    const h = this.#heap;
    const entry = h[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= h.length) break;
      if (child + 1 < h.length && h[child + 1]![0] < h[child]![0]) child++;
      if (h[child]![0] >= entry[0]) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = entry;
  }
}
