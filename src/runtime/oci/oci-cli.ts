// The OCI runtime's command line (runc, or crun where the host is pure cgroup v2): the verbs kite
// calls itself. Creation goes through conmon (conmon.ts), which calls `<runtime> create`.

import fs from "node:fs";
import { ExecError, run } from "../../util/exec.js";
import type { Logger } from "../../util/log.js";
import { cgroupMode } from "./cgroups.js";

export type OciRuntimeName = "runc" | "crun";

export interface OciState {
  id: string;
  /** creating, created, running, paused or stopped */
  status: string;
  pid: number;
  bundle: string;
  created: string;
}

const PATHS: Record<OciRuntimeName, string[]> = {
  runc: ["/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc", "/usr/local/bin/runc"],
  crun: ["/usr/bin/crun", "/usr/local/bin/crun"],
};

function findBinary(name: OciRuntimeName): string | undefined {
  return PATHS[name].find((p) => fs.existsSync(p));
}

/**
 * crun 1.8 refuses hybrid cgroups ("cgroups in hybrid mode not supported"), so it is the default
 * only on a pure cgroup v2 host; runc handles v1, hybrid and v2.
 */
export function chooseRuntime(requested: OciRuntimeName | "auto" = "auto"): {
  name: OciRuntimeName;
  path: string;
} {
  if (requested !== "auto") {
    const path = findBinary(requested);
    if (!path) throw new Error(`OCI runtime ${requested} not found in ${PATHS[requested].join(", ")}`);
    return { name: requested, path };
  }
  const crun = findBinary("crun");
  if (cgroupMode() === "v2" && crun) return { name: "crun", path: crun };
  const runc = findBinary("runc");
  if (runc) return { name: "runc", path: runc };
  if (crun) return { name: "crun", path: crun };
  throw new Error("no OCI runtime found (runc or crun)");
}

export interface OciCli {
  readonly name: OciRuntimeName;
  readonly path: string;
  /** Global arguments (--root) every call and conmon's calls carry. */
  readonly globalArgs: string[];
  state(id: string): Promise<OciState | undefined>;
  list(): Promise<OciState[]>;
  start(id: string): Promise<void>;
  kill(id: string, signal: string, all?: boolean): Promise<void>;
  delete(id: string): Promise<void>;
}

const isMissing = (err: unknown) =>
  err instanceof ExecError && /does not exist|not found|no such file/i.test(err.stderr);

export function ociCli(name: OciRuntimeName, path: string, stateRoot: string, log?: Logger): OciCli {
  const globalArgs = ["--root", stateRoot];
  const call = (args: string[]) => run(path, [...globalArgs, ...args], { log });
  return {
    name,
    path,
    globalArgs,
    async state(id) {
      try {
        return JSON.parse((await call(["state", id])).stdout) as OciState;
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    async list() {
      const out = (await call(["list", "--format", "json"])).stdout.trim();
      // runc prints "null" for an empty root.
      return out && out !== "null" ? (JSON.parse(out) as OciState[]) : [];
    },
    async start(id) {
      await call(["start", id]);
    },
    async kill(id, signal, all = false) {
      try {
        await call(["kill", ...(all ? ["--all"] : []), id, signal]);
      } catch (err) {
        // Already gone or already stopped: the goal of kill is reached.
        if (
          isMissing(err) ||
          (err instanceof ExecError &&
            /not running|process already finished|container not running/i.test(err.stderr))
        )
          return;
        throw err;
      }
    },
    async delete(id) {
      try {
        await call(["delete", "--force", id]);
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
    },
  };
}
