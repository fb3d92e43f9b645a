// Reading a container's CRI log for `kubectl logs` (kubelet's kuberuntime/logs.ReadLogs): the
// live file, filtered by the options, --tail counting lines back from its end, as the kubelet reads
// it (rotated files are left to log shippers). --follow keeps reading while the container runs,
// goes on across a rotation (the file it holds was renamed: it drains that one, and any rotated
// since, then opens the new one the runtime made), and moves on to the next restart's log.
import type { Stats } from "node:fs";
import { type FileHandle, open, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Writable } from "node:stream";
import { CriLogFilter, countLines, type LogOptions, tailStart } from "../../streaming/cri-log.js";
import { compressSuffix, rotatedFilesOf, tmpSuffix } from "../logs/container-log-manager.js";

export interface ReadLogOptions extends LogOptions {
  tailLines?: number;
  follow?: boolean;
}

/** What follow needs to know about the container as it goes. */
export interface FollowSource {
  /** still running, so more may come to this file */
  running(): Promise<boolean>;
  /** the log path of a later instance (the container restarted), when there is one yet */
  next(): Promise<string | undefined>;
  /** false once no later instance can come (the pod is gone) */
  alive(): Promise<boolean>;
}

/** Where to start reading so that only the last n lines of the file are read. */
async function tailOffsets(fh: FileHandle, n: number): Promise<number> {
  const size = (await fh.stat()).size;
  let pos = size;
  let tail = Buffer.alloc(0);
  // read backwards until the chunk holds more lines than are needed, or the file's start
  while (pos > 0 && countLines(tail) <= n) {
    const len = Math.min(64 * 1024, pos);
    pos -= len;
    const chunk = Buffer.alloc(len);
    await fh.read(chunk, 0, len, pos);
    tail = Buffer.concat([chunk, tail]);
  }
  return countLines(tail) > n ? pos + tailStart(tail, n) : n === 0 ? size : 0;
}

/** The largest read: big enough that per-read costs vanish, small enough to hold two per reader. */
const maxRead = 1 << 20;

/**
 * A reader's two read buffers, reused: the filter compacts a log's contents into the buffer they
 * were read into, and that buffer is read into again only once the response has written it. A new
 * buffer per read made a 100 MiB log cost the garbage collector 146 MiB of short-lived buffers.
 */
interface ReadBuffers {
  bufs: Buffer[];
  /** settles when what was last written from bufs[i] has left for the client (or the client has gone) */
  flushed: Promise<void>[];
}

function readBuffers(): ReadBuffers {
  return { bufs: [], flushed: [] };
}

/** Buffer i, at least `want` bytes (up to maxRead), once what was written from it is flushed. */
async function readBuffer(rb: ReadBuffers, i: number, want: number): Promise<Buffer> {
  await rb.flushed[i];
  const size = Math.min(maxRead, Math.max(64 * 1024, want));
  const cur = rb.bufs[i];
  if (cur && cur.length >= size) return cur;
  const buf = Buffer.allocUnsafeSlow(size);
  rb.bufs[i] = buf;
  return buf;
}

/** Writes parts in order; settles when the last has been flushed or the client has gone. */
function writeParts(out: Writable, parts: Buffer[]): Promise<void> {
  if (parts.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const gone = () => resolve();
    out.once("close", gone);
    parts.forEach((p, j) => {
      out.write(
        p,
        j === parts.length - 1
          ? () => {
              out.off("close", gone);
              resolve();
            }
          : undefined,
      );
    });
  });
}

function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off("drain", done);
      out.off("close", done);
      resolve();
    };
    out.on("drain", done);
    out.on("close", done);
  });
}

/**
 * Copies `fh` from `start` to its current end through the filter; resolves to the position reached.
 * The handle is held, not the path, so a rotation renaming the file meanwhile changes nothing.
 * A write per read (two when a line spans reads; the response is corked for the tick, so one
 * writev), never one per line: each costs a chunked-encoding frame.
 */
async function copyRange(
  fh: FileHandle,
  start: number,
  filter: CriLogFilter,
  out: Writable,
  rb: ReadBuffers,
): Promise<number> {
  let pos = start;
  const size = (await fh.stat()).size;
  for (let i = 0; !filter.done && !out.destroyed; i ^= 1) {
    const buf = await readBuffer(rb, i, size - pos);
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    rb.flushed[i] = writeParts(out, filter.push(buf.subarray(0, bytesRead)));
    if (out.writableNeedDrain) await drained(out);
  }
  return pos;
}

async function openLog(path: string): Promise<{ fh: FileHandle; st: Stats } | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  return { fh, st: await fh.stat() };
}

/**
 * The uncompressed rotated files of the log at `path` written after `held` (by its last write) and
 * other than it and the live file `live`, oldest first. Gzipped ones are out of reach, as for the
 * kubelet's follower.
 */
async function rotatedSince(path: string, held: Stats, live: Stats): Promise<string[]> {
  const dir = dirname(path);
  const names = rotatedFilesOf(basename(path), await readdir(dir).catch(() => []))
    .filter((n) => !n.endsWith(compressSuffix) && !n.endsWith(tmpSuffix))
    .sort();
  const out: string[] = [];
  for (const n of names) {
    const f = join(dir, n);
    const st = await stat(f).catch(() => undefined);
    if (st && st.ino !== held.ino && st.ino !== live.ino && st.mtimeMs > held.mtimeMs) out.push(f);
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes the log at `path` to `out` as `kubectl logs` shows it; resolves when done (not following),
 * when --limit-bytes is reached, when `signal` aborts, or when following ends with the pod.
 */
export async function readLogs(
  path: string,
  opts: ReadLogOptions,
  out: Writable,
  signal: AbortSignal,
  follow?: FollowSource,
): Promise<void> {
  const filter = new CriLogFilter(opts);
  const rb = readBuffers();
  let current = path;
  let held = await openLog(current);
  try {
    let pos = 0;
    if (held && opts.tailLines !== undefined && opts.tailLines >= 0) {
      pos = (await tailOffsets(held.fh, opts.tailLines)) ?? 0;
    }
    if (held) pos = await copyRange(held.fh, pos, filter, out, rb);
    if (!opts.follow || !follow) return;
    while (!signal.aborted && !filter.done) {
      if (!held) {
        // not there yet, or between a rotation's rename and the runtime's reopen
        held = await openLog(current);
        pos = 0;
        if (!held) {
          if (!(await follow.running()) && !(await moveOn())) return;
          await sleep(100);
        }
        continue;
      }
      if ((await held.fh.stat()).size > pos) {
        pos = await copyRange(held.fh, pos, filter, out, rb);
        continue;
      }
      // At the end of the file held: has the path moved on to a new file?
      const now = await stat(current).catch(() => undefined);
      if (now && now.ino !== held.st.ino) {
        // Rotated: the runtime has reopened, so nothing more comes to the old file once it is
        // drained (the size check above ran before the stat, so read once more).
        const last = await held.fh.stat();
        if (last.size > pos) continue;
        await held.fh.close();
        held = undefined;
        // A reader that fell behind by more than one rotation: the files live after the one
        // held, oldest first, before the new live one.
        for (const f of await rotatedSince(current, last, now)) {
          const o = await openLog(f);
          if (!o) continue;
          try {
            await copyRange(o.fh, 0, filter, out, rb);
          } finally {
            await o.fh.close();
          }
          if (signal.aborted || filter.done) return;
        }
        held = await openLog(current);
        pos = 0;
        continue;
      }
      if (!(await follow.running())) {
        // one last read: the container may have written just before it exited
        if ((await held.fh.stat()).size > pos) continue;
        if (!(await moveOn())) return;
        continue;
      }
      await sleep(100);
    }
  } finally {
    await held?.fh.close();
  }

  /** After the container exited: on to the next instance's log, if one came; false when none can. */
  async function moveOn(): Promise<boolean> {
    const next = await follow!.next();
    if (next && next !== current) {
      current = next;
      await held?.fh.close();
      held = undefined;
      return true;
    }
    if (!(await follow!.alive())) return false;
    await sleep(100);
    return true;
  }
}
