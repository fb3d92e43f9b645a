// The embedded store: the SQLite revisioned log for durability, the watch cache for reads and
// watch fan-out. Writes are validated against the cache plus the writes still in flight, queued,
// and committed together in one fsync'd transaction per turn of the event loop (group commit), so
// concurrent clients share the cost of the fsync. A write is answered only after its commit.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { StoredObject } from "../../api/object.js";
import { newWatchCache, type WatchCache } from "../cache.js";
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  type ListOptions,
  type ListResult,
  RevisionMismatchError,
  type Store,
  type StoreEntry,
  type StoreEvent,
  type Watcher,
  type WatchOptions,
} from "../store.js";
import { type LogRow, openRevisionLog } from "./log.js";

export interface SqliteStoreOptions {
  file: string;
  /** how often compaction runs; 0 disables the timer (tests call compact()) */
  compactIntervalMs?: number;
  /** how many recent revisions compaction keeps (kube-apiserver compacts to ~5 minutes back) */
  retainRevisions?: number;
  /** events kept in memory for watch resume */
  watchCacheEvents?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface SqliteStore extends Store {
  /** compact history up to currentRevision - retain; resolves when done */
  compact(retain?: number): Promise<number>;
}

interface PendingWrite {
  row: LogRow;
  event: StoreEvent;
  resolve: (e: StoreEntry) => void;
  reject: (err: Error) => void;
}

interface WatchRegistration {
  prefix: string;
  onEvent: (ev: StoreEvent) => void;
  onError: (err: Error) => void;
  /** events queued while the initial replay is read */
  stopped: boolean;
}

function entryFromRow(row: LogRow, object?: StoredObject): StoreEntry {
  return {
    key: row.key,
    object: object ?? (JSON.parse(row.value) as StoredObject),
    json: row.value,
    modRevision: row.revision,
    createRevision: row.createRevision,
  };
}

function stamp(obj: StoredObject, revision: number): { object: StoredObject; json: string } {
  obj.metadata.resourceVersion = String(revision);
  return { object: obj, json: JSON.stringify(obj) };
}

export function openSqliteStore(opts: SqliteStoreOptions): SqliteStore {
  mkdirSync(dirname(opts.file), { recursive: true });
  const log = openRevisionLog(opts.file);
  const retain = opts.retainRevisions ?? 10_000;
  const cache: WatchCache = newWatchCache(opts.watchCacheEvents ?? 50_000);
  cache.load(
    log.loadCurrent().map((r) => entryFromRow(r)),
    log.currentRevision(),
  );

  let revision = log.currentRevision();
  let committed = revision;
  // Writes accepted but not yet committed: the view write checks must see.
  const inflight = new Map<string, StoreEntry | null>();
  let queue: PendingWrite[] = [];
  let flushScheduled = false;
  const watchers = new Set<WatchRegistration>();
  let closed = false;

  const latest = (key: string): StoreEntry | undefined => {
    const p = inflight.get(key);
    if (p !== undefined) return p ?? undefined;
    return cache.get(key);
  };

  function flush(): void {
    flushScheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    try {
      log.append(batch.map((w) => w.row));
    } catch (err) {
      // Nothing of the batch is durable: forget it and roll the revision back.
      revision = committed;
      for (const w of batch) inflight.delete(w.row.key);
      for (const w of batch) w.reject(err as Error);
      return;
    }
    committed = batch[batch.length - 1]!.row.revision;
    for (const w of batch) {
      cache.apply(w.event);
      if (inflight.get(w.row.key) === (w.event.type === "DELETED" ? null : w.event.entry))
        inflight.delete(w.row.key);
    }
    for (const w of batch) {
      for (const reg of watchers) {
        if (!reg.stopped && w.event.key.startsWith(reg.prefix)) deliver(reg, w.event);
      }
      w.resolve(w.event.entry);
    }
  }

  function deliver(reg: WatchRegistration, ev: StoreEvent): void {
    try {
      reg.onEvent(ev);
    } catch (err) {
      reg.stopped = true;
      watchers.delete(reg);
      reg.onError(err as Error);
    }
  }

  function enqueue(
    type: StoreEvent["type"],
    key: string,
    obj: StoredObject,
    prev: StoreEntry | undefined,
  ): Promise<StoreEntry> {
    if (closed) return Promise.reject(new Error("store is closed"));
    const rev = ++revision;
    const { object, json } = stamp(obj, rev);
    const createRevision = type === "ADDED" ? rev : prev!.createRevision;
    const entry: StoreEntry = { key, object, json, modRevision: rev, createRevision };
    const row: LogRow = {
      revision: rev,
      key,
      created: type === "ADDED",
      deleted: type === "DELETED",
      createRevision,
      prevRevision: prev?.modRevision ?? 0,
      value: json,
    };
    inflight.set(key, type === "DELETED" ? null : entry);
    return new Promise<StoreEntry>((resolve, reject) => {
      queue.push({ row, event: { type, key, revision: rev, entry, prev }, resolve, reject });
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    });
  }

  function list(o: ListOptions): ListResult {
    const limit = o.limit && o.limit > 0 ? o.limit : Number.POSITIVE_INFINITY;
    const want = o.revision && o.revision > 0 ? o.revision : committed;
    if (want < log.compactRevision()) throw new CompactedError(want, log.compactRevision());
    const out: StoreEntry[] = [];
    let lastKey: string | undefined;
    let remaining: number | undefined;
    if (want >= committed) {
      // Latest state: straight from memory.
      let more = false;
      let count = 0;
      for (const e of cache.range(o.prefix, o.afterKey)) {
        if (out.length >= limit) {
          more = true;
          count++;
          continue;
        }
        if (o.predicate && !o.predicate(e.object)) continue;
        out.push(e);
      }
      if (more) {
        lastKey = out[out.length - 1]?.key;
        remaining = o.predicate ? undefined : count;
      }
      return { entries: out, revision: committed, lastKey, remaining };
    }
    // A past revision (a continue token): rebuild it from the log, a page at a time.
    let after = o.afterKey ?? "";
    const page = 500;
    for (;;) {
      const rows = log.readAt(o.prefix, want, after, page);
      for (const r of rows) {
        if (out.length >= limit) {
          lastKey = out[out.length - 1]?.key;
          return { entries: out, revision: want, lastKey };
        }
        const e = entryFromRow(r);
        if (!o.predicate || o.predicate(e.object)) out.push(e);
        after = r.key;
      }
      if (rows.length < page) break;
    }
    return { entries: out, revision: want };
  }

  let compacting: Promise<number> | undefined;
  function compact(keep = retain): Promise<number> {
    if (compacting) return compacting;
    const upTo = committed - keep;
    if (upTo <= log.compactRevision()) return Promise.resolve(0);
    compacting = new Promise<number>((resolve) => {
      let removed = 0;
      const step = () => {
        if (closed) return resolve(removed);
        try {
          const n = log.compactStep(upTo, 1000);
          removed += n;
          if (n > 0) {
            setImmediate(step);
            return;
          }
          log.setCompactRevision(upTo);
          opts.log?.("compacted store", { revision: upTo, removed });
        } catch (err) {
          opts.log?.("compaction failed", { err: String(err) });
        }
        resolve(removed);
      };
      setImmediate(step);
    }).finally(() => {
      compacting = undefined;
    });
    return compacting;
  }
  const timer =
    opts.compactIntervalMs && opts.compactIntervalMs > 0
      ? setInterval(() => void compact(), opts.compactIntervalMs).unref()
      : undefined;

  function watch(o: WatchOptions, onEvent: (ev: StoreEvent) => void, onError: (err: Error) => void): Watcher {
    const reg: WatchRegistration = { prefix: o.prefix, onEvent, onError, stopped: false };
    const from = o.fromRevision;
    if (from !== undefined && from < committed) {
      if (from < log.compactRevision()) throw new CompactedError(from, log.compactRevision());
      let replay = cache.eventsSince(from);
      if (!replay) replay = replayFromLog(o.prefix, from);
      for (const ev of replay) if (ev.key.startsWith(o.prefix)) deliver(reg, ev);
    }
    if (!reg.stopped) watchers.add(reg);
    return {
      stop() {
        reg.stopped = true;
        watchers.delete(reg);
      },
    };
  }

  function replayFromLog(prefix: string, from: number): StoreEvent[] {
    const out: StoreEvent[] = [];
    let after = from;
    for (;;) {
      const rows = log.readSince(prefix, after, 1000);
      for (const r of rows) {
        const prevRow = r.prevRevision ? log.row(r.prevRevision) : undefined;
        const type = r.deleted ? "DELETED" : r.created ? "ADDED" : "MODIFIED";
        const entry = entryFromRow(r);
        out.push({
          type,
          key: r.key,
          revision: r.revision,
          entry,
          prev: prevRow ? entryFromRow(prevRow) : undefined,
        });
        after = r.revision;
      }
      if (rows.length < 1000) return out;
    }
  }

  return {
    get: async (key) => cache.get(key),
    list: async (o) => list(o),
    async create(key, obj) {
      if (latest(key)) throw new KeyExistsError(key);
      return enqueue("ADDED", key, obj, undefined);
    },
    async update(key, tryUpdate, expectedRevision) {
      const cur = latest(key);
      if (expectedRevision !== undefined) {
        if (!cur) throw new KeyNotFoundError(key);
        if (cur.modRevision !== expectedRevision)
          throw new RevisionMismatchError(key, expectedRevision, cur.modRevision);
      }
      const next = tryUpdate(cur);
      if (next === undefined) return cur;
      return enqueue(cur ? "MODIFIED" : "ADDED", key, next, cur);
    },
    async delete(key, check) {
      const cur = latest(key);
      if (!cur) throw new KeyNotFoundError(key);
      check?.(cur);
      // The tombstone carries the object as it was, stamped with the deletion's revision.
      return enqueue("DELETED", key, structuredClone(cur.object), cur);
    },
    watch,
    currentRevision: () => committed,
    compactedRevision: () => log.compactRevision(),
    compact,
    async close() {
      if (closed) return;
      if (timer) clearInterval(timer);
      // Let queued writes commit before closing.
      while (queue.length > 0) flush();
      closed = true;
      for (const reg of watchers) reg.stopped = true;
      watchers.clear();
      await compacting;
      log.close();
    },
  };
}
