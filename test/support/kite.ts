// Starts a real `kite server` (the built CLI) on a free port with its own data dir, for
// end-to-end tests; several can run side by side.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const kiteBin = join(repo, "bin", "kite");

export interface KiteServer {
  dataDir: string;
  kubeconfig: string;
  server: string;
  port: number;
  pid: number;
  /** a temporary HOME for kubectl, so its discovery cache belongs to this server */
  home: string;
  /** log lines seen so far (JSON) */
  logs: string[];
  stop(): Promise<void>;
  /** SIGKILL, as a crash */
  kill(): Promise<void>;
  /** start again on the same data dir and port */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  args?: string[];
  port?: number;
}

function launch(dataDir: string, kubeconfig: string, port: number, args: string[], logs: string[]) {
  const child = spawn(
    process.execPath,
    [
      kiteBin,
      "server",
      "--data-dir",
      dataDir,
      "--https-listen-port",
      String(port),
      "--write-kubeconfig",
      kubeconfig,
      "--disable-agent",
      ...args,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const ready = new Promise<{ server: string }>((resolveReady, reject) => {
    const rl = createInterface({ input: child.stderr! });
    rl.on("line", (line) => {
      logs.push(line);
      try {
        const rec = JSON.parse(line) as { msg?: string; server?: string };
        if (rec.msg === "kite is ready" && rec.server) resolveReady({ server: rec.server });
      } catch {
        // not JSON: an error message before the logger started
      }
    });
    child.once("exit", (code, sig) =>
      reject(new Error(`kite server exited (${code ?? sig}): ${logs.join("\n")}`)),
    );
  });
  return { child, ready };
}

export async function startKite(opts: StartOptions = {}): Promise<KiteServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "kite-e2e-"));
  const home = mkdtempSync(join(tmpdir(), "kite-home-"));
  const kubeconfig = join(dataDir, "kubeconfig.yaml");
  const logs: string[] = [];
  let port = opts.port ?? 0;
  let proc: ChildProcess;
  const start = async () => {
    const { child, ready } = launch(dataDir, kubeconfig, port, opts.args ?? [], logs);
    proc = child;
    const { server } = await ready;
    port = Number(new URL(server).port);
    return server;
  };
  const waitExit = (p: ChildProcess) =>
    new Promise<void>((r) => {
      if (p.exitCode !== null || p.signalCode !== null) r();
      else p.once("exit", () => r());
    });
  let server: string;
  try {
    server = await start();
  } catch (err) {
    rmSync(home, { recursive: true, force: true });
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const k: KiteServer = {
    dataDir,
    kubeconfig,
    server,
    port,
    home,
    logs,
    get pid() {
      return proc.pid!;
    },
    async stop() {
      proc.kill("SIGTERM");
      await waitExit(proc);
    },
    async kill() {
      proc.kill("SIGKILL");
      await waitExit(proc);
    },
    async restart() {
      await start();
    },
    async cleanup() {
      if (proc.exitCode === null && proc.signalCode === null) await k.stop();
      rmSync(home, { recursive: true, force: true });
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return k;
}
