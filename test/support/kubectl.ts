// Runs the real kubectl binaries that sit beside the `kubectl` on PATH (kubectl.1.27 … 1.33).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import type { KiteServer } from "./kite.js";

function kubectlDir(): string {
  const onPath = execFileSync("bash", ["-c", "command -v kubectl"], { encoding: "utf8" }).trim();
  return dirname(realpathSync(onPath));
}

/** Debian's kubernetes-client, unpacked by scripts/setup.sh where another kubectl is installed. */
const debianKubectl = "/var/cache/kite-test/kubectl-1.20/usr/bin/kubectl";

/** Versions present on this machine, e.g. ["1.20", "1.27", …, "1.33"]. */
export function kubectlVersions(): string[] {
  const dir = kubectlDir();
  const versions = readdirSync(dir)
    .map((f) => /^kubectl\.(\d+\.\d+)$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined);
  if (existsSync(debianKubectl)) versions.push("1.20");
  return versions.sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));
}

export function kubectlPath(version: string): string {
  const p =
    version === "1.20" && existsSync(debianKubectl)
      ? debianKubectl
      : join(kubectlDir(), `kubectl.${version}`);
  if (!existsSync(p)) throw new Error(`kubectl ${version} is not on this machine (${p})`);
  return p;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectl(
  k: KiteServer,
  version: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlPath(version), args, {
      env: { PATH: process.env.PATH, HOME: k.home, KUBECONFIG: k.kubeconfig, ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
      timeout: opts.timeoutMs ?? 60_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? "");
  });
}

/** The versions a test drives: every kubectl.1.x present, or 1.27, 1.30 and 1.33 for the slower files. */
export function testedVersions(all = false): string[] {
  const present = kubectlVersions();
  if (all) return present;
  return ["1.27", "1.30", "1.33"].filter((v) => present.includes(v));
}
