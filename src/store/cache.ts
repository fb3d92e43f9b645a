// The watch cache: the current state of every key in memory, kept in key order for LIST with
// limit/continue, and a ring of recent events so watches resume without reading the disk.
// kube-apiserver's cacher plays this role in front of etcd; here it fronts any backend.
import type { StoreEntry, StoreEvent } from "./store.js";

export interface WatchCache {
  get(key: string): StoreEntry | undefined;
  /** entries under prefix with key > afterKey, in key order */
  range(prefix: string, afterKey?: string): Iterable<StoreEntry>;
  apply(ev: StoreEvent): void;
  /** replace the contents with the state at `revision` (start-up) */
  load(entries: StoreEntry[], revision: number): void;
  /** events with revision > from, or undefined when the ring no longer reaches back that far */
  eventsSince(from: number): StoreEvent[] | undefined;
  size(): number;
}

function lowerBound(keys: string[], target: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function newWatchCache(ringSize: number): WatchCache {
  const entries = new Map<string, StoreEntry>();
  // Sorted keys, rebuilt lazily after a key is added or removed (modifications keep the order).
  let sorted: string[] | undefined;
  const ring: StoreEvent[] = [];
  let ringStart = 0;
  // The oldest revision the ring can replay from: events after `ringFloor` are all present.
  let ringFloor = 0;

  const keys = (): string[] => {
    if (!sorted) sorted = [...entries.keys()].sort();
    return sorted;
  };

  return {
    get: (key) => entries.get(key),
    *range(prefix, afterKey) {
      const ks = keys();
      let i = lowerBound(ks, afterKey && afterKey >= prefix ? afterKey : prefix);
      if (afterKey && ks[i] === afterKey) i++;
      for (; i < ks.length; i++) {
        const k = ks[i]!;
        if (!k.startsWith(prefix)) break;
        const e = entries.get(k);
        if (e) yield e;
      }
    },
    apply(ev) {
      if (ev.type === "DELETED") {
        entries.delete(ev.key);
        sorted = undefined;
      } else {
        if (!entries.has(ev.key)) sorted = undefined;
        entries.set(ev.key, ev.entry);
      }
      if (ring.length - ringStart >= ringSize) {
        ringFloor = ring[ringStart]!.revision;
        ringStart++;
        // Compact the array now and then instead of shifting on every event.
        if (ringStart > ringSize) {
          ring.splice(0, ringStart);
          ringStart = 0;
        }
      }
      ring.push(ev);
    },
    load(list, revision) {
      entries.clear();
      for (const e of list) entries.set(e.key, e);
      sorted = undefined;
      ring.length = 0;
      ringStart = 0;
      ringFloor = revision;
    },
    eventsSince(from) {
      if (from < ringFloor) return undefined;
      const out: StoreEvent[] = [];
      // Events are in revision order: binary search would do, but replays are rare and short.
      for (let i = ring.length - 1; i >= ringStart; i--) {
        const ev = ring[i]!;
        if (ev.revision <= from) break;
        out.push(ev);
      }
      return out.reverse();
    },
    size: () => entries.size,
  };
}
