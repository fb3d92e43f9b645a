// The kubelet's container log manager (pkg/kubelet/logs): every monitor interval, each running
// container whose log has reached containerLogMaxSize has it rotated — `N.log` renamed to
// `N.log.<YYYYMMDD-hhmmss>` and the runtime asked to reopen its log, so the container goes on
// writing into a new `N.log` — while older rotated files are gzipped and the oldest removed, so
// that at most containerLogMaxFiles files remain (the live one included). The file just rotated
// stays uncompressed until the next rotation: the runtime may still be writing its last lines,
// and a `kubectl logs -f` still draining it.
import { createReadStream, createWriteStream } from "node:fs";
import { readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { Runtime } from "../../runtime/runtime.js";
import type { Logger } from "../../util/log.js";

/** The kubelet's suffixes: a compressed rotated log, and a compression not finished. */
export const compressSuffix = ".gz";
export const tmpSuffix = ".tmp";

export interface ContainerLogPolicy {
  /** rotate a log once it is this large (bytes; the kubelet's containerLogMaxSize, default 10Mi) */
  maxSize: number;
  /** files kept per container log, the live one included (containerLogMaxFiles, default 5; at least 2) */
  maxFiles: number;
}

/** Go's "20060102-150405" in local time, the kubelet's timestampFormat for rotated logs. */
export function rotationTimestamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return (
    `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-` +
    `${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`
  );
}

/** The name a log rotated at `now` gets: `<log>.<timestamp>`. */
export function rotatedName(log: string, now: Date): string {
  return `${log}.${rotationTimestamp(now)}`;
}

/**
 * Of the files beside a log called `base` (names only), those rotation made from it: `base.` and a
 * timestamp, maybe with .gz or .tmp after (the kubelet's glob `<log>.*`).
 */
export function rotatedFilesOf(base: string, names: string[]): string[] {
  const prefix = `${base}.`;
  return names.filter((n) => n.startsWith(prefix) && /^\d{8}-\d{6}/.test(n.slice(prefix.length)));
}

export interface RotationPlan {
  /** left over from an interrupted compression (.tmp, or a rotated file whose .gz exists), or the oldest beyond maxFiles */
  remove: string[];
  /** rotated files kept but not compressed yet */
  compress: string[];
}

/**
 * What to do with a log's rotated files before its live file is rotated once more (kubelet's
 * cleanupUnusedLogs, removeExcessLogs, then compression): the new rotated file and the new live
 * file will make two, so maxFiles-2 older ones may stay; the oldest go first, so that a reader
 * working through them from the oldest is not cut short.
 */
export function planRotation(rotated: string[], maxFiles: number): RotationPlan {
  const remove: string[] = [];
  const inUse: string[] = [];
  for (const f of rotated) {
    const unused =
      f.endsWith(tmpSuffix) || (!f.endsWith(compressSuffix) && rotated.includes(f + compressSuffix));
    (unused ? remove : inUse).push(f);
  }
  inUse.sort();
  const keep = Math.max(maxFiles - 2, 0);
  const excess = inUse.length - keep;
  if (excess > 0) remove.push(...inUse.splice(0, excess));
  return { remove, compress: inUse.filter((f) => !f.endsWith(compressSuffix)) };
}

/** gzips `file` to `file.gz` through `file.tmp`, then removes it; a crash leaves only what cleanup removes. */
export async function compressLog(file: string): Promise<void> {
  const tmp = file + tmpSuffix;
  try {
    await pipeline(createReadStream(file), createGzip(), createWriteStream(tmp));
    await rename(tmp, file + compressSuffix);
  } finally {
    await rm(tmp, { force: true });
  }
  await rm(file, { force: true });
}

export type LogRotationRuntime = Pick<Runtime, "listContainers" | "reopenContainerLog">;

export interface ContainerLogManager {
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
}

export interface ContainerLogManagerOptions {
  runtime: LogRotationRuntime;
  policy: ContainerLogPolicy;
  /** the kubelet's containerLogMonitorInterval; default 10 s */
  monitorIntervalMs?: number;
  log: Logger;
  now?: () => Date;
}

export function startContainerLogManager(o: ContainerLogManagerOptions): ContainerLogManager {
  const { runtime, policy, log } = o;
  const now = o.now ?? (() => new Date());
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();

  async function rotateLog(id: string, path: string): Promise<void> {
    const dir = dirname(path);
    const rotated = rotatedFilesOf(basename(path), await readdir(dir)).map((n) => join(dir, n));
    const plan = planRotation(rotated, policy.maxFiles);
    for (const f of plan.remove) await rm(f, { force: true });
    for (const f of plan.compress) await compressLog(f);
    const target = rotatedName(path, now());
    await rename(path, target);
    try {
      await runtime.reopenContainerLog(id);
    } catch (err) {
      // Put the log back so the next pass can try again (as the kubelet does); the container's
      // writes went on into the renamed file, which is the same file.
      await rename(target, path).catch((renameErr: unknown) =>
        log.error({ err: String(renameErr), path, target }, "failed to rename rotated log back"),
      );
      throw err;
    }
  }

  async function rotateLogs(): Promise<void> {
    // Only running containers: one that has exited writes no more, and an empty live log is no use.
    const containers = await runtime.listContainers({ state: "CONTAINER_RUNNING" });
    for (const c of containers) {
      if (stopped) return;
      if (!c.logPath) continue;
      try {
        const st = await stat(c.logPath).catch((err: NodeJS.ErrnoException) => {
          if (err.code === "ENOENT") return undefined;
          throw err;
        });
        if (!st) {
          // a rotation interrupted between rename and reopen: the runtime makes the file again
          await runtime.reopenContainerLog(c.id);
          continue;
        }
        if (st.size < policy.maxSize) continue;
        await rotateLog(c.id, c.logPath);
      } catch (err) {
        log.warn(
          { err: String(err), containerID: c.id, path: c.logPath },
          "failed to rotate log for container",
        );
      }
    }
  }

  const tick = () => {
    pass = rotateLogs()
      .catch((err: unknown) => log.warn({ err: String(err) }, "container log rotation failed"))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, o.monitorIntervalMs ?? 10_000);
      });
  };
  timer = setTimeout(tick, o.monitorIntervalMs ?? 10_000);

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await pass;
    },
  };
}
