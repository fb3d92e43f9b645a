// The storage seam, shaped like kube-apiserver's storage.Interface and kine's Backend: objects
// under string keys in a revisioned log. Every write gets the next revision, which becomes the
// object's metadata.resourceVersion. Backends: sqlite/ (embedded, default); etcd/ can follow.
import type { StoredObject } from "../api/object.js";

export interface StoreEntry {
  key: string;
  object: StoredObject;
  /** the object serialized once, at write time; the API server writes it out as is */
  json: string;
  /** revision of the write that produced this state (= resourceVersion) */
  modRevision: number;
  /** revision at which the key was created */
  createRevision: number;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  type: WatchEventType;
  key: string;
  revision: number;
  /** state after the write; for DELETED, the last state, stamped with the deletion's revision */
  entry: StoreEntry;
  /** state before the write (undefined for ADDED) */
  prev?: StoreEntry;
}

export interface ListOptions {
  /** key prefix, ending in "/" */
  prefix: string;
  /** list as of this revision (used for continue tokens); 0/undefined = latest */
  revision?: number;
  /** start strictly after this key (continue) */
  afterKey?: string;
  limit?: number;
  /** filter applied before the limit counts, as kube-apiserver's predicate */
  predicate?: (obj: StoredObject) => boolean;
}

export interface ListResult {
  entries: StoreEntry[];
  /** the revision the list is consistent with */
  revision: number;
  /** set when more matched than the limit: the last key returned */
  lastKey?: string;
  /** how many more entries (before predicate) remain, for ListMeta.remainingItemCount */
  remaining?: number;
}

export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface WatchOptions {
  prefix: string;
  /** deliver events with revision > fromRevision; undefined = from now */
  fromRevision?: number;
}

export interface Watcher {
  stop(): void;
}

export interface Store {
  get(key: string): Promise<StoreEntry | undefined>;
  list(opts: ListOptions): Promise<ListResult>;
  /** Fails with AlreadyExistsError-shaped KeyExistsError when the key exists. */
  create(key: string, obj: StoredObject): Promise<StoreEntry>;
  /**
   * Read-modify-write with optimistic concurrency, as storage.GuaranteedUpdate: `tryUpdate`
   * gets the current entry (undefined if absent) and returns the new object, or `undefined` to
   * write nothing. `expectedRevision` fails with RevisionMismatchError when it differs.
   */
  update(
    key: string,
    tryUpdate: (current: StoreEntry | undefined) => StoredObject | undefined,
    expectedRevision?: number,
  ): Promise<StoreEntry | undefined>;
  /** Removes the key; `check` may throw to refuse (preconditions). Returns the deleted entry. */
  delete(key: string, check?: (current: StoreEntry) => void): Promise<StoreEntry>;
  watch(opts: WatchOptions, onEvent: (ev: StoreEvent) => void, onError: (err: Error) => void): Watcher;
  currentRevision(): number;
  /** the oldest revision a watch or list may still start from (exclusive): compacted history ends here */
  compactedRevision(): number;
  close(): Promise<void>;
}

/** Typed store errors; the API layer maps them to NotFound/AlreadyExists/Conflict/Gone. */
export class KeyNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
    this.name = "KeyNotFoundError";
  }
}

export class KeyExistsError extends Error {
  constructor(readonly key: string) {
    super(`key exists: ${key}`);
    this.name = "KeyExistsError";
  }
}

export class RevisionMismatchError extends Error {
  constructor(
    readonly key: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`revision mismatch on ${key}: expected ${expected}, have ${actual}`);
    this.name = "RevisionMismatchError";
  }
}

export class CompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`revision ${requested} has been compacted (oldest available ${compacted + 1})`);
    this.name = "CompactedError";
  }
}
