// The revisioned log on disk, as k3s's kine keeps it in SQLite: one row per write, the row's
// primary key is the revision. The current state of a key is its newest row; a delete is a
// tombstone row. History older than the compacted revision is removed in the background.
import Database from "better-sqlite3";

export interface LogRow {
  revision: number;
  key: string;
  created: boolean;
  deleted: boolean;
  createRevision: number;
  prevRevision: number;
  value: string;
}

interface RawRow {
  revision: number;
  key: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
}

const toRow = (r: RawRow): LogRow => ({
  revision: r.revision,
  key: r.key,
  created: r.created === 1,
  deleted: r.deleted === 1,
  createRevision: r.create_revision,
  prevRevision: r.prev_revision,
  value: r.value,
});

export interface RevisionLog {
  /** Append rows in one durable transaction (fsync'd before returning). */
  append(rows: LogRow[]): void;
  /** Newest non-deleted row of every key. */
  loadCurrent(): LogRow[];
  currentRevision(): number;
  compactRevision(): number;
  /** State of keys under prefix as of `revision`, keys > afterKey, in key order. */
  readAt(prefix: string, revision: number, afterKey: string, limit: number): LogRow[];
  /** Rows with revision > from under prefix, in revision order (watch replay). */
  readSince(prefix: string, from: number, limit: number): LogRow[];
  row(revision: number): LogRow | undefined;
  /**
   * Remove up to `batch` superseded rows at or below `upTo`; returns how many were removed.
   * Called repeatedly from the event loop so writers never wait behind a long delete.
   */
  compactStep(upTo: number, batch: number): number;
  setCompactRevision(rev: number): void;
  close(): void;
}

const prefixEnd = (prefix: string): string =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

export function openRevisionLog(file: string): RevisionLog {
  const db = new Database(file);
  // WAL lets readers run beside the writer; synchronous=FULL fsyncs the WAL on every commit, so
  // an answered write survives kill -9 and power loss alike.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.exec(`
    CREATE TABLE IF NOT EXISTS log (
      revision INTEGER PRIMARY KEY,
      key TEXT NOT NULL,
      created INTEGER NOT NULL,
      deleted INTEGER NOT NULL,
      create_revision INTEGER NOT NULL,
      prev_revision INTEGER NOT NULL,
      value TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS log_key_revision ON log(key, revision);
    CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  `);
  const insert = db.prepare(
    "INSERT INTO log (revision, key, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const appendTx = db.transaction((rows: LogRow[]) => {
    for (const r of rows) {
      insert.run(
        r.revision,
        r.key,
        r.created ? 1 : 0,
        r.deleted ? 1 : 0,
        r.createRevision,
        r.prevRevision,
        r.value,
      );
    }
  });
  const maxRev = db.prepare("SELECT COALESCE(MAX(revision), 0) AS rev FROM log");
  const getMeta = db.prepare("SELECT value FROM meta WHERE name = ?");
  const setMeta = db.prepare(
    "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
  );
  const current = db.prepare(`
    SELECT l.* FROM log l
    JOIN (SELECT key, MAX(revision) AS rev FROM log GROUP BY key) m ON l.revision = m.rev
    WHERE l.deleted = 0 ORDER BY l.key`);
  const at = db.prepare(`
    SELECT l.* FROM log l
    JOIN (SELECT key, MAX(revision) AS rev FROM log
          WHERE key >= ? AND key < ? AND key > ? AND revision <= ? GROUP BY key) m ON l.revision = m.rev
    WHERE l.deleted = 0 ORDER BY l.key LIMIT ?`);
  const since = db.prepare(
    "SELECT * FROM log WHERE revision > ? AND key >= ? AND key < ? ORDER BY revision LIMIT ?",
  );
  const byRevision = db.prepare("SELECT * FROM log WHERE revision = ?");
  // A row is superseded at `upTo` when a newer row of its key exists at or below `upTo`;
  // a tombstone at or below `upTo` is history too.
  const compactBatch = db.prepare(`
    DELETE FROM log WHERE revision IN (
      SELECT l.revision FROM log l WHERE l.revision <= @upTo AND (
        l.deleted = 1 OR EXISTS (SELECT 1 FROM log n WHERE n.key = l.key AND n.revision > l.revision AND n.revision <= @upTo)
      ) LIMIT @batch)`);

  // The revision counter must never go backwards, even when compaction removed the newest rows
  // (a tombstone at the head): keep it in meta as well.
  const storedRev = (getMeta.get("revision") as { value: number } | undefined)?.value ?? 0;
  let revision = Math.max((maxRev.get() as { rev: number }).rev, storedRev);
  let compacted = (getMeta.get("compact_revision") as { value: number } | undefined)?.value ?? 0;

  return {
    append(rows) {
      if (rows.length === 0) return;
      appendTx(rows);
      revision = rows[rows.length - 1]!.revision;
    },
    loadCurrent: () => (current.all() as RawRow[]).map(toRow),
    currentRevision: () => revision,
    compactRevision: () => compacted,
    readAt: (prefix, rev, afterKey, limit) =>
      (at.all(prefix, prefixEnd(prefix), afterKey, rev, limit) as RawRow[]).map(toRow),
    readSince: (prefix, from, limit) =>
      (since.all(from, prefix, prefixEnd(prefix), limit) as RawRow[]).map(toRow),
    row(rev) {
      const r = byRevision.get(rev) as RawRow | undefined;
      return r ? toRow(r) : undefined;
    },
    compactStep: (upTo, batch) => compactBatch.run({ upTo, batch }).changes,
    setCompactRevision(rev) {
      db.transaction(() => {
        setMeta.run("compact_revision", rev);
        setMeta.run("revision", revision);
      })();
      compacted = rev;
    },
    close() {
      db.close();
    },
  };
}
