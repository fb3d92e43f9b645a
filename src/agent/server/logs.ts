// Reading a container's CRI log for `kubectl logs` (kubelet's kuberuntime/logs.ReadLogs): the
// live file, filtered by the options, --tail counting lines back from its end, as the kubelet reads
// it (rotated files are left to log shippers). --follow keeps reading while the container runs,
// goes on across a rotation (the file it holds was renamed: it drains that one, and any rotated
// since, then opens the new one the runtime made), and moves on to the next restart's log.
import type { Stats } from "node:fs";
import { createReadStream } from "node:fs";
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

/**
 * Copies `fh` from `start` to its current end through the filter; resolves to the position reached.
 * The handle is held, not the path, so a rotation renaming the file meanwhile changes nothing.
 */
function copyRange(fh: FileHandle, start: number, filter: CriLogFilter, out: Writable): Promise<number> {
  return new Promise((resolve, reject) => {
    let pos = start;
    const rs = createReadStream("", { fd: fh, start, autoClose: false, highWaterMark: 1 << 20 });
    rs.on("data", (data: string | Buffer) => {
      const chunk = data as Buffer;
      pos += chunk.length;
      // a write per chunk read (two when a line spans chunks, in one writev: the response is
      // corked for the tick), never one per line: each costs a chunked-encoding frame
      let full = false;
      for (const part of filter.push(chunk)) full = !out.write(part);
      if (full) {
        rs.pause();
        out.once("drain", () => rs.resume());
      }
      if (filter.done) rs.destroy();
    });
    // A client gone mid-copy never drains: stop reading, or the paused stream holds the file
    // (a rotated one included) open for good.
    const gone = () => rs.destroy();
    out.once("close", gone);
    const done = () => {
      out.off("close", gone);
      resolve(pos);
    };
    // the handle stays open (autoClose off), so the end is "end", or "close" after a destroy
    rs.on("end", done);
    rs.on("close", done);
    rs.on("error", (err) => {
      out.off("close", gone);
      reject(err);
    });
  });
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
  let current = path;
  let held = await openLog(current);
  try {
    let pos = 0;
    if (held && opts.tailLines !== undefined && opts.tailLines >= 0) {
      pos = (await tailOffsets(held.fh, opts.tailLines)) ?? 0;
    }
    if (held) pos = await copyRange(held.fh, pos, filter, out);
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
        pos = await copyRange(held.fh, pos, filter, out);
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
            await copyRange(o.fh, 0, filter, out);
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
