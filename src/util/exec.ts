// The one way kite runs another program (openssl, runc, conmon, CNI plugins…): no shell, the
// command and its duration logged, and a non-zero exit turned into a typed error carrying stderr
// (and stdout, where programs such as CNI plugins report their errors). run() collects the
// output; start() is for the programs whose stdio a caller streams (exec, attach, port-forward).
import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";
import type { Logger } from "./log.js";

export class ExecError extends Error {
  constructor(
    readonly file: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderr: string,
    readonly stdout = "",
  ) {
    super(
      `${file} ${args.join(" ")}: ${signal ? `killed by ${signal}` : `exit status ${exitCode}`}${stderr ? `: ${stderr.trim()}` : ""}`,
    );
    this.name = "ExecError";
  }
}

export interface ExecOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  log?: Logger;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  durationMs: number;
}

export function run(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: opts.env,
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      timeout: opts.timeoutMs,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const durationMs = performance.now() - started;
      const stderr = Buffer.concat(err).toString();
      opts.log?.debug({ cmd: file, args, code, ms: Math.round(durationMs * 10) / 10 }, "exec");
      const stdout = Buffer.concat(out).toString();
      if (code !== 0) reject(new ExecError(file, args, code, signal, stderr, stdout));
      else resolve({ stdout, stderr, durationMs });
    });
    if (child.stdin) {
      // A program may exit without reading its input; that is its answer, not our crash.
      child.stdin.on("error", () => {});
      child.stdin.end(opts.input);
    }
  });
}

export interface StartOptions {
  stdio: StdioOptions;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
}

/** Starts a program whose stdio the caller streams; its command, exit and duration are logged when it ends. */
export function start(file: string, args: readonly string[], opts: StartOptions): ChildProcess {
  const started = performance.now();
  const child = spawn(file, args, { stdio: opts.stdio, env: opts.env });
  child.on("close", (code, signal) => {
    const ms = Math.round((performance.now() - started) * 10) / 10;
    opts.log?.debug({ cmd: file, args, code, signal, ms }, "exec");
  });
  return child;
}
