// conmon, the per-container monitor CRI-O and podman use: it runs `<runtime> create`, stays the
// container's parent (a subreaper) after kite exits or dies, writes stdout/stderr to a CRI-format
// log file, and on exit writes the exit code to `<exitDir>/<id>` (and `oom` in its persist dir when
// the kernel OOM-killed the container).
//
// Its parent returns at once and the daemon creates the container asynchronously, so creation is
// complete when the runtime's pid file appears; if conmon exits first it failed, and the runtime's
// own log (--log, JSON) says why.

import fs from "node:fs";
import path from "node:path";
import { run } from "../../util/exec.js";
import type { Logger } from "../../util/log.js";
import type { OciCli } from "./oci-cli.js";

export interface ConmonPaths {
  /** Container dir: conmon.pid, pidfile, runtime.log and persist/ live here. */
  dir: string;
  bundle: string;
  logPath: string;
  exitDir: string;
  socketDir: string;
}

export const conmonFiles = (dir: string) => ({
  pidFile: path.join(dir, "pidfile"),
  conmonPidFile: path.join(dir, "conmon.pid"),
  runtimeLog: path.join(dir, "runtime.log"),
  persistDir: path.join(dir, "persist"),
});

export class ContainerCreateError extends Error {
  constructor(
    readonly id: string,
    detail: string,
  ) {
    super(`failed to create container ${id}: ${detail}`);
    this.name = "ContainerCreateError";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function readPid(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, "utf8").trim());
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The runtime's error lines from its JSON log, for a failed create. */
function runtimeErrors(file: string): string {
  try {
    const lines = fs.readFileSync(file, "utf8").trim().split("\n");
    const msgs = lines
      .map((l) => {
        try {
          const e = JSON.parse(l) as { level?: string; msg?: string };
          return e.level === "error" || e.level === "fatal" ? e.msg : undefined;
        } catch {
          return l;
        }
      })
      .filter(Boolean);
    return msgs.join("; ");
  } catch {
    return "";
  }
}

export interface ConmonCreateOptions {
  id: string;
  name: string;
  paths: ConmonPaths;
  cli: OciCli;
  conmonPath: string;
  tty?: boolean;
  /** Hold the container's stdin open for attach clients. */
  stdin?: boolean;
  /** Close that stdin when the first attach client leaves (the pod spec's stdinOnce). */
  stdinOnce?: boolean;
  log?: Logger;
  timeoutMs?: number;
}

/** Creates the container under a new conmon; resolves to the container's pid once it exists. */
export async function conmonCreate(opts: ConmonCreateOptions): Promise<{ pid: number; conmonPid: number }> {
  const { id, paths, cli } = opts;
  const files = conmonFiles(paths.dir);
  fs.mkdirSync(paths.socketDir, { recursive: true });
  fs.mkdirSync(paths.exitDir, { recursive: true });
  // conmon exits silently, without an exit file, when its persist dir is missing.
  fs.mkdirSync(files.persistDir, { recursive: true });
  fs.mkdirSync(path.dirname(paths.logPath), { recursive: true });
  for (const f of [files.pidFile, files.conmonPidFile, files.runtimeLog]) fs.rmSync(f, { force: true });
  const runtimeArgs = [...cli.globalArgs, "--log", files.runtimeLog, "--log-format", "json"].flatMap((a) => [
    "--runtime-arg",
    a,
  ]);
  const args = [
    "--api-version",
    "1",
    "-c",
    id,
    "-u",
    id,
    "-n",
    opts.name,
    "-r",
    cli.path,
    "-b",
    paths.bundle,
    "-p",
    files.pidFile,
    "-l",
    `k8s-file:${paths.logPath}`,
    "--exit-dir",
    paths.exitDir,
    "--socket-dir-path",
    paths.socketDir,
    "--conmon-pidfile",
    files.conmonPidFile,
    "--persist-dir",
    files.persistDir,
    "--log-level",
    "error",
    ...runtimeArgs,
  ];
  if (opts.tty) args.push("-t");
  if (opts.stdin) {
    args.push("-i");
    // conmon closes stdin when any attach client leaves; the kubelet only does for stdinOnce.
    if (!opts.stdinOnce) args.push("--leave-stdin-open");
  }
  // Watch before conmon starts, so the pid file's arrival cannot be missed; inotify wakes us the
  // moment runc renames it into place, the timer only notices a conmon that died.
  const watcher = fs.watch(paths.dir);
  let timer: NodeJS.Timeout | undefined;
  try {
    const created = new Promise<{ pid: number; conmonPid: number }>((resolve, reject) => {
      const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
      const check = () => {
        const pid = readPid(files.pidFile);
        const conmonPid = readPid(files.conmonPidFile);
        if (pid !== undefined && conmonPid !== undefined) return resolve({ pid, conmonPid });
        if (conmonPid !== undefined && !alive(conmonPid)) {
          // The pid file may have landed just before conmon gave up on something later.
          const late = readPid(files.pidFile);
          if (late !== undefined) return resolve({ pid: late, conmonPid });
          const why = runtimeErrors(files.runtimeLog) || "conmon exited before the container was created";
          return reject(new ContainerCreateError(id, why));
        }
        if (Date.now() > deadline)
          reject(new ContainerCreateError(id, "timed out waiting for the container's pid file"));
      };
      watcher.on("change", check);
      watcher.on("error", reject);
      timer = setInterval(check, 25);
    });
    // Until awaited below, a failure is handled here rather than reported as unhandled.
    created.catch(() => {});
    // conmon 2.1 also drops an `oom` marker in its working directory: keep that in the container's.
    await run(opts.conmonPath, args, { log: opts.log, cwd: paths.dir });
    return await created;
  } finally {
    clearInterval(timer);
    watcher.close();
  }
}

/**
 * Asks conmon to reopen its log file (CRI-O's ReopenContainerLog): message type 2 on the
 * container's `ctl` FIFO in the bundle.
 */
export function conmonReopenLog(bundle: string): void {
  const fd = fs.openSync(path.join(bundle, "ctl"), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  try {
    fs.writeSync(fd, "2 0 0\n");
  } finally {
    fs.closeSync(fd);
  }
}

/** Resizes a tty container's terminal through conmon: message type 1 (height width) on `ctl`. */
export function conmonResize(bundle: string, width: number, height: number): void {
  const fd = fs.openSync(path.join(bundle, "ctl"), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  try {
    fs.writeSync(fd, `1 ${height} ${width}\n`);
  } finally {
    fs.closeSync(fd);
  }
}

export function conmonPid(dir: string): number | undefined {
  const pid = readPid(conmonFiles(dir).conmonPidFile);
  return pid !== undefined && alive(pid) ? pid : undefined;
}

export { alive as processAlive };
