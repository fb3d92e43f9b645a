// Watch streams: newline-delimited JSON events over a chunked response, kube-apiserver's
// watch semantics: resourceVersion unset/"0" starts with the current state as ADDED events;
// a revision resumes after it; a compacted one ends in an ERROR event carrying 410 Expired.
// Selector transitions become ADDED/DELETED as the cacher sends them.
import type { IncomingMessage, ServerResponse } from "node:http";
import { StatusError, tooOldResourceVersion } from "../api/errors.js";
import type { StoredObject } from "../api/object.js";
import type { ResourceInfo } from "../api/registry.js";
import { CompactedError, type Store, type StoreEvent, type Watcher } from "../store/store.js";
import type { GenericRegistry } from "./registry/generic.js";

export interface WatchParams {
  resource: ResourceInfo;
  namespace: string | undefined;
  labelSelector: string | null;
  fieldSelector: string | null;
  resourceVersion: string | null;
  timeoutSeconds: number | undefined;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  /** turns a stored object into what the client asked for (Table row, converted version) */
  encode: (obj: StoredObject, first: boolean) => string;
  bookmarkIntervalMs?: number;
}

// Slow watchers are cut off rather than let kite buffer without bound (the cacher does the same).
const maxBufferedBytes = 32 * 1024 * 1024;

export function serveWatch(
  req: IncomingMessage,
  res: ServerResponse,
  store: Store,
  registry: GenericRegistry,
  p: WatchParams,
): void {
  const predicate = registry.selector(p.resource, {
    labelSelector: p.labelSelector,
    fieldSelector: p.fieldSelector,
  });
  const matches = (o: StoredObject | undefined) => o !== undefined && (!predicate || predicate(o));
  const prefix = registry.listPrefix(p.resource, p.namespace);
  let first = true;
  let closed = false;
  let watcher: Watcher | undefined;
  let lastRevision = 0;
  const timers: NodeJS.Timeout[] = [];

  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
  res.flushHeaders();

  const finish = () => {
    if (closed) return;
    closed = true;
    watcher?.stop();
    for (const t of timers) clearTimeout(t);
    res.end();
  };
  req.on("close", finish);
  res.on("close", finish);

  const write = (type: string, objJson: string) => {
    if (closed) return;
    res.write(`{"type":"${type}","object":${objJson}}\n`);
    if (res.writableLength > maxBufferedBytes) finish();
  };
  const emit = (type: string, obj: StoredObject) => {
    write(type, p.encode(obj, first));
    first = false;
  };
  const bookmark = (extra?: Record<string, string>) => {
    const rv = String(Math.max(lastRevision, store.currentRevision()));
    const meta: Record<string, unknown> = { resourceVersion: rv };
    if (extra) meta.annotations = extra;
    write(
      "BOOKMARK",
      JSON.stringify({ kind: p.resource.kind, apiVersion: apiVersion(p.resource), metadata: meta }),
    );
  };

  const onEvent = (ev: StoreEvent) => {
    lastRevision = ev.revision;
    const now = matches(ev.entry.object);
    const before = ev.prev ? matches(ev.prev.object) : false;
    switch (ev.type) {
      case "ADDED":
        if (now) emit("ADDED", ev.entry.object);
        break;
      case "MODIFIED":
        if (now && before) emit("MODIFIED", ev.entry.object);
        else if (now) emit("ADDED", ev.entry.object);
        else if (before) emit("DELETED", ev.entry.object);
        break;
      case "DELETED":
        if (now || before) emit("DELETED", ev.entry.object);
        break;
    }
  };
  const onError = (err: Error) => {
    write("ERROR", JSON.stringify(new StatusError(500, "InternalError", err.message).toStatus()));
    finish();
  };

  void (async () => {
    const rv = p.resourceVersion;
    let from: number;
    if (!rv || rv === "0" || p.sendInitialEvents) {
      // "Get state and start at most recent": the current objects first, as ADDED.
      const page = await store.list({ prefix, predicate });
      from = page.revision;
      lastRevision = from;
      for (const e of page.entries) emit("ADDED", e.object);
      if (p.sendInitialEvents && p.allowBookmarks) bookmark({ "k8s.io/initial-events-end": "true" });
    } else {
      from = Number(rv);
      if (!Number.isSafeInteger(from) || from < 0) {
        write(
          "ERROR",
          JSON.stringify(new StatusError(400, "BadRequest", `invalid resource version: ${rv}`).toStatus()),
        );
        finish();
        return;
      }
    }
    try {
      watcher = store.watch({ prefix, fromRevision: from }, onEvent, onError);
    } catch (err) {
      if (err instanceof CompactedError) {
        write("ERROR", JSON.stringify(tooOldResourceVersion(err.requested, err.compacted + 1).toStatus()));
        finish();
        return;
      }
      throw err;
    }
    if (closed) watcher.stop();
    if (p.allowBookmarks) {
      const every = p.bookmarkIntervalMs ?? 60_000;
      const tick = () => {
        bookmark();
        timers.push(setTimeout(tick, every).unref());
      };
      timers.push(setTimeout(tick, every).unref());
    }
    // kube ends watches after timeoutSeconds, or a randomised 30–60 min so clients re-list now and then.
    const timeout = p.timeoutSeconds ?? 1800 + Math.floor(Math.random() * 1800);
    timers.push(setTimeout(finish, timeout * 1000).unref());
  })().catch(onError);
}

function apiVersion(r: ResourceInfo): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}
