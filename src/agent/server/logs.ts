// Reading a container's CRI log for `kubectl logs` (kubelet's kuberuntime/logs.ReadLogs): the
// rotated files (`0.log.<timestamp>`, oldest first) then the live one, filtered by the options;
// --tail counts lines back from the end across them; --follow keeps reading while the container
// runs, picks up the file again after a rotation, and moves on to the next restart's log.
import { createReadStream, type Stats } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Writable } from "node:stream";
import { CriLogFilter, countLines, type LogOptions, tailStart } from "../../streaming/cri-log.js";

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

/** `<path>.<suffix>` files kubelet's log rotation leaves beside the live file, oldest first (uncompressed only). */
export async function rotatedFiles(path: string): Promise<string[]> {
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(`${base}.`) && !n.endsWith(".gz") && !n.endsWith(".tmp"))
    .sort()
    .map((n) => join(dirname(path), n));
}

/** Where to start in each file so that only the last n lines are read. */
async function tailOffsets(files: string[], n: number): Promise<Map<string, number>> {
  const starts = new Map<string, number>();
  let need = n;
  for (let i = files.length - 1; i >= 0; i--) {
    const f = files[i]!;
    const fh = await open(f, "r");
    try {
      const size = (await fh.stat()).size;
      let pos = size;
      let tail = Buffer.alloc(0);
      // read backwards until the chunk holds more lines than are needed, or the file's start
      while (pos > 0 && countLines(tail) <= need) {
        const len = Math.min(64 * 1024, pos);
        pos -= len;
        const chunk = Buffer.alloc(len);
        await fh.read(chunk, 0, len, pos);
        tail = Buffer.concat([chunk, tail]);
      }
      const lines = countLines(tail);
      if (lines > need) {
        starts.set(f, pos + tailStart(tail, need));
        return starts;
      }
      starts.set(f, 0);
      need -= lines;
      if (need <= 0) return starts;
    } finally {
      await fh.close();
    }
  }
  return starts;
}

function copyRange(path: string, start: number, filter: CriLogFilter, out: Writable): Promise<number> {
  return new Promise((resolve, reject) => {
    let pos = start;
    const rs = createReadStream(path, { start, highWaterMark: 1 << 20 });
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
    rs.on("close", () => resolve(pos));
    rs.on("error", (err: NodeJS.ErrnoException) => (err.code === "ENOENT" ? resolve(pos) : reject(err)));
  });
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
  let files = [...(await rotatedFiles(path)), path];
  let starts = new Map<string, number>();
  if (opts.tailLines !== undefined && opts.tailLines >= 0) {
    starts = await tailOffsets(files, opts.tailLines).catch(() => new Map<string, number>());
    files = files.filter((f) => starts.has(f));
    if (opts.tailLines === 0) files = [];
  }
  let pos = 0;
  let st: Stats | undefined;
  for (const f of files) {
    if (signal.aborted || filter.done) return;
    const end = await copyRange(f, starts.get(f) ?? 0, filter, out);
    if (f === path) pos = end;
  }
  if (opts.tailLines === 0) pos = (await stat(path).catch(() => undefined))?.size ?? 0;
  if (!opts.follow || !follow) return;
  st = await stat(path).catch(() => undefined);
  let current = path;
  while (!signal.aborted && !filter.done) {
    const now = await stat(current).catch(() => undefined);
    if (now && st && (now.ino !== st.ino || now.size < pos)) {
      // rotated: finish the renamed file's tail, then start the new file from 0
      const rotated = (await rotatedFiles(current)).at(-1);
      if (rotated) pos = await copyRange(rotated, pos, filter, out);
      pos = 0;
      st = now;
    }
    if (now && now.size > pos) {
      st ??= now;
      pos = await copyRange(current, pos, filter, out);
      continue;
    }
    if (!(await follow.running())) {
      // one last read: the container may have written just before it exited
      if (now && now.size > pos) continue;
      const next = await follow.next();
      if (next && next !== current) {
        current = next;
        pos = 0;
        st = await stat(current).catch(() => undefined);
        continue;
      }
      if (!(await follow.alive())) return;
    }
    await sleep(100);
  }
}
