// List-then-watch with resume, client-go's reflector + informer in small: keeps a local copy of
// every object of one resource and calls back on each change. A watch that ends resumes from the
// last resourceVersion seen; a 410 (compacted) re-lists.
import { isStatusError } from "../api/errors.js";
import type { StoredObject } from "../api/object.js";
import type { Client, WatchStream } from "./client.js";

export interface InformerHandlers<T extends StoredObject> {
  onChange(obj: T, type: "ADDED" | "MODIFIED" | "DELETED"): void;
  /** the initial list is in the cache */
  onSynced?(): void;
}

export interface Informer<T extends StoredObject> {
  list(): T[];
  get(key: string): T | undefined;
  stop(): void;
}

export const cacheKey = (o: StoredObject): string =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;

export function startInformer<T extends StoredObject>(
  client: Client,
  collectionPath: string,
  handlers: InformerHandlers<T>,
  onError: (err: unknown) => void = () => {},
): Informer<T> {
  const items = new Map<string, T>();
  let stopped = false;
  let stream: WatchStream | undefined;
  let rv = "";

  async function relist(): Promise<void> {
    const list = await client.request<{ metadata: { resourceVersion: string }; items: T[] }>(
      "GET",
      collectionPath,
    );
    const seen = new Set<string>();
    for (const o of list.items) {
      const k = cacheKey(o);
      seen.add(k);
      const prev = items.get(k);
      items.set(k, o);
      if (!prev) handlers.onChange(o, "ADDED");
      else if (prev.metadata.resourceVersion !== o.metadata.resourceVersion) handlers.onChange(o, "MODIFIED");
    }
    for (const [k, o] of items) {
      if (!seen.has(k)) {
        items.delete(k);
        handlers.onChange(o, "DELETED");
      }
    }
    rv = list.metadata.resourceVersion;
  }

  async function run(): Promise<void> {
    let needList = true;
    while (!stopped) {
      try {
        if (needList) {
          await relist();
          if (handlers.onSynced) {
            handlers.onSynced();
            handlers.onSynced = undefined;
          }
          needList = false;
        }
        const sep = collectionPath.includes("?") ? "&" : "?";
        let expired = false;
        stream = client.watch<T>(
          `${collectionPath}${sep}watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`,
          (ev) => {
            if (ev.type === "ERROR") {
              expired = true;
              return;
            }
            rv = ev.object.metadata.resourceVersion;
            if (ev.type === "BOOKMARK") return;
            const k = cacheKey(ev.object);
            if (ev.type === "DELETED") items.delete(k);
            else items.set(k, ev.object);
            handlers.onChange(ev.object, ev.type);
          },
        );
        await stream.done;
        if (expired) needList = true;
      } catch (err) {
        if (stopped) return;
        if (isStatusError(err, "Expired") || isStatusError(err, "Gone")) needList = true;
        else onError(err);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
  void run();
  return {
    list: () => [...items.values()],
    get: (k) => items.get(k),
    stop() {
      stopped = true;
      stream?.stop();
    },
  };
}
