// The pod workers (kubelet's pod_workers.go in small): one serialised chain per pod UID, so two
// syncs of one pod never overlap while other pods go on unblocked. A sync asked for while one
// runs is coalesced into one more run after it (level-triggered: the next sync sees everything).
// Timed resyncs (back-off expiry, activeDeadlineSeconds) keep one timer per pod, the earliest.

export interface PodWorkers {
  /** Syncs the pod now, or right after its running sync. */
  enqueue(uid: string): void;
  /** Syncs the pod at `at` (ms since the epoch), unless an earlier sync is already timed. */
  enqueueAt(uid: string, at: number): void;
  /** Resolves when no sync runs or is queued (tests, shutdown). */
  idle(): Promise<void>;
  stop(): void;
}

export function newPodWorkers(
  sync: (uid: string) => Promise<void>,
  onError: (uid: string, err: unknown) => void,
): PodWorkers {
  const running = new Map<string, Promise<void>>();
  const pending = new Set<string>();
  const timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  let stopped = false;

  function run(uid: string) {
    const p = (async () => {
      while (!stopped) {
        pending.delete(uid);
        try {
          await sync(uid);
        } catch (err) {
          onError(uid, err);
        }
        if (!pending.has(uid)) break;
      }
      running.delete(uid);
    })();
    running.set(uid, p);
  }

  return {
    enqueue(uid) {
      if (stopped) return;
      if (running.has(uid)) pending.add(uid);
      else run(uid);
    },
    enqueueAt(uid, at) {
      if (stopped) return;
      const t = timers.get(uid);
      if (t && t.at <= at && t.at > Date.now()) return;
      if (t) clearTimeout(t.timer);
      const timer = setTimeout(
        () => {
          timers.delete(uid);
          this.enqueue(uid);
        },
        Math.max(0, at - Date.now()),
      );
      timer.unref();
      timers.set(uid, { at, timer });
    },
    async idle() {
      while (running.size > 0) await Promise.all([...running.values()]);
    },
    stop() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t.timer);
      timers.clear();
    },
  };
}
