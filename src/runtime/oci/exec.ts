// exec in a running container: `runc exec` (or crun's) in the foreground, stdio streamed.
//
// This is the one place runc is not called through util/exec's run(): the program's exit status is
// the user's command's answer (not an error), and its stdio is streamed rather than collected. It
// still logs and times each call the same way.
//
// With a TTY, runc needs a console socket to hand the pty master to (SCM_RIGHTS), which Node cannot
// receive; tty-exec.py (python3 from Debian, installed by scripts/setup.sh) receives it, relays it
// and collects the exit code as a subreaper — the job conmon's --exec mode does for podman.

import fs from "node:fs";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { start } from "../../util/exec.js";
import type { Logger } from "../../util/log.js";
import type { TerminalSize } from "../runtime.js";
import { helperScript, python } from "./helpers.js";
import type { OciCli } from "./oci-cli.js";

export interface ExecRequest {
  id: string;
  cmd: string[];
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty?: boolean;
  resize?: AsyncIterable<TerminalSize>;
  timeoutMs?: number;
  env?: string[];
  /** Aborting kills the exec'd process; the exec then resolves to 137. */
  signal?: AbortSignal;
}

let seq = 0;

/** The first terminal size, if the caller has one ready now (kubectl sends it first thing). */
async function initialSize(
  it: AsyncIterator<TerminalSize> | undefined,
): Promise<{ size?: TerminalSize; pending?: Promise<IteratorResult<TerminalSize>> }> {
  if (!it) return {};
  const next = it.next();
  const first = await Promise.race([next, new Promise<undefined>((r) => setImmediate(() => r(undefined)))]);
  // Not ready yet: the relay loop picks that value up when it comes.
  if (first === undefined) return { pending: next };
  return first.done ? {} : { size: first.value, pending: it.next() };
}

export async function ociExec(
  cli: OciCli,
  scratchDir: string,
  req: ExecRequest,
  log?: Logger,
): Promise<number> {
  const sizes = req.tty && req.resize ? req.resize[Symbol.asyncIterator]() : undefined;
  const first = await initialSize(sizes);
  return spawnExec(
    cli,
    scratchDir,
    req,
    first.size,
    sizes && first.pending ? { it: sizes, pending: first.pending } : undefined,
    log,
  );
}

function spawnExec(
  cli: OciCli,
  scratchDir: string,
  req: ExecRequest,
  size: TerminalSize | undefined,
  sizes: { it: AsyncIterator<TerminalSize>; pending: Promise<IteratorResult<TerminalSize>> } | undefined,
  log?: Logger,
): Promise<number> {
  fs.mkdirSync(scratchDir, { recursive: true });
  const tag = `${process.pid}-${++seq}`;
  const pidFile = path.join(scratchDir, `exec-${tag}.pid`);
  const envArgs = (req.env ?? []).flatMap((e) => ["--env", e]);
  let file: string;
  let args: string[];
  if (req.tty) {
    const sock = path.join(scratchDir, `exec-${tag}.sock`);
    file = python;
    args = [
      helperScript("tty-exec.py"),
      sock,
      pidFile,
      size ? `${size.width}x${size.height}` : "-",
      "--",
      cli.path,
      ...cli.globalArgs,
      "exec",
      "-d",
      "--tty",
      "--console-socket",
      sock,
      "--pid-file",
      pidFile,
      ...envArgs,
      req.id,
      ...req.cmd,
    ];
  } else {
    file = cli.path;
    args = [...cli.globalArgs, "exec", "--pid-file", pidFile, ...envArgs, req.id, ...req.cmd];
  }
  return new Promise((resolve, reject) => {
    const child = start(file, args, {
      stdio: [req.stdin ? "pipe" : "ignore", "pipe", "pipe", req.tty ? "pipe" : "ignore"],
      log,
    });
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    let closed = false;
    // runc forwards catchable signals only: kill the exec'd process itself, and its process group
    // when it leads one (a TTY's shell does). Before runc has written the pid file the process may
    // not exist yet, so look again until it does or runc is gone.
    const killExeced = (deadline: number) => {
      if (closed) return;
      let pid = 0;
      try {
        pid = Number(fs.readFileSync(pidFile, "utf8").trim());
      } catch {
        // not written yet
      }
      if (pid > 0) {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // not a group leader
        }
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
        return;
      }
      if (Date.now() > deadline) child.kill("SIGKILL");
      else setTimeout(() => killExeced(deadline), 20);
    };
    if (req.timeoutMs && req.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        killExeced(Date.now() + 2000);
      }, req.timeoutMs);
    }
    const onAbort = () => killExeced(Date.now() + 5000);
    if (req.signal?.aborted) onAbort();
    else req.signal?.addEventListener("abort", onAbort, { once: true });
    if (req.stdin && child.stdin) {
      child.stdin.on("error", () => {});
      req.stdin.pipe(child.stdin);
    }
    const errChunks: Buffer[] = [];
    if (req.stdout) child.stdout!.pipe(req.stdout, { end: false });
    else child.stdout!.resume();
    child.stderr!.on("data", (b: Buffer) => {
      if (req.stderr) req.stderr.write(b);
      else if (req.tty) errChunks.push(b);
    });
    const resizePipe = child.stdio[3] as Writable | null;
    if (req.tty && resizePipe && sizes) {
      resizePipe.on("error", () => {});
      void (async () => {
        for (let p = sizes.pending; ; p = sizes.it.next()) {
          const next = await p;
          if (next.done || child.exitCode !== null) break;
          resizePipe.write(`${next.value.width} ${next.value.height}\n`);
        }
      })().catch(() => {});
    }
    child.on("error", reject);
    child.on("close", (code, signal) => {
      closed = true;
      if (timer) clearTimeout(timer);
      req.signal?.removeEventListener("abort", onAbort);
      fs.rmSync(pidFile, { force: true });
      if (req.tty && code === 255 && errChunks.length > 0) {
        reject(new Error(`exec in ${req.id} failed: ${Buffer.concat(errChunks).toString().trim()}`));
        return;
      }
      if (timedOut) {
        reject(new ExecTimeoutError(req.id, req.cmd, req.timeoutMs!));
        return;
      }
      resolve(code ?? 128 + (signal === "SIGKILL" ? 9 : 15));
    });
  });
}

export class ExecTimeoutError extends Error {
  constructor(
    readonly id: string,
    readonly cmd: string[],
    readonly timeoutMs: number,
  ) {
    super(`command "${cmd.join(" ")}" in container ${id} timed out after ${timeoutMs / 1000}s`);
    this.name = "ExecTimeoutError";
  }
}
