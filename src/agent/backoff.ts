// client-go's flowcontrol.Backoff as the kubelet uses it for crash loops and image pulls: the
// delay starts at 10 s and doubles to 5 min; an entry untouched for twice the maximum (10 min)
// starts again from the initial delay (kubelet's "back-off resets after 10 minutes of running").

export interface Backoff {
  /** Records a failure at `at` (ms) and grows the delay. */
  next(id: string, at: number): void;
  /** Whether `id` is still backing off counted from `since` (ms, e.g. the container's finishedAt). */
  isInBackOffSince(id: string, since: number): boolean;
  /** The current delay of `id`, 0 when none. */
  get(id: string): number;
  /** When a back-off counted from `since` ends (ms), for scheduling the retry. */
  expiresAt(id: string, since: number): number;
  reset(id: string): void;
  /** Drops entries untouched for twice the maximum. */
  gc(): void;
}

export function newBackoff(initialMs: number, maxMs: number, now: () => number = Date.now): Backoff {
  const entries = new Map<string, { backoff: number; lastUpdate: number }>();
  const expired = (e: { lastUpdate: number }, at: number) => at - e.lastUpdate > 2 * maxMs;
  return {
    next(id, at) {
      const e = entries.get(id);
      if (!e || expired(e, at)) entries.set(id, { backoff: initialMs, lastUpdate: at });
      else {
        e.backoff = Math.min(e.backoff * 2, maxMs);
        e.lastUpdate = at;
      }
    },
    isInBackOffSince(id, since) {
      const e = entries.get(id);
      if (!e) return false;
      if (expired(e, now())) return false;
      return now() - since < e.backoff;
    },
    get: (id) => entries.get(id)?.backoff ?? 0,
    expiresAt: (id, since) => since + (entries.get(id)?.backoff ?? 0),
    reset(id) {
      entries.delete(id);
    },
    gc() {
      const t = now();
      for (const [id, e] of entries) if (expired(e, t)) entries.delete(id);
    },
  };
}
