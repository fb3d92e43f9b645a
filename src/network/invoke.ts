// Executing one CNI plugin binary (CNI spec 1.0, "Section 3: Execution Protocol"): the network
// configuration on stdin, the parameters in CNI_* environment variables, a result or an error
// object on stdout.
//
// This does not go through util/exec.run() because a failing plugin writes its error ({code, msg,
// details}) to stdout, and ExecError keeps only stderr. The same logging and timing apply.
import { access, constants } from "node:fs/promises";
import { join } from "node:path";
import { ExecError, run } from "../util/exec.js";
import type { Logger } from "../util/log.js";

export type CniCommand = "ADD" | "DEL" | "CHECK" | "VERSION";

/** A plugin's error (its `code`, `msg` and `details`), or a plugin that failed without one. */
export class CniError extends Error {
  constructor(
    readonly plugin: string,
    readonly command: CniCommand,
    /** the CNI error code (spec: 1–99 are the spec's, 100+ the plugin's); -1 when the plugin printed none */
    readonly code: number,
    readonly msg: string,
    readonly details: string | undefined,
    readonly stderr: string,
  ) {
    super(
      `plugin type="${plugin}" failed (${command.toLowerCase()}): ${msg}${details ? `: ${details}` : ""}`,
    );
    this.name = "CniError";
  }
}

export interface PluginInvocation {
  /** CNI_PATH: directories searched for the plugin and handed to it (for IPAM delegation) */
  binDirs: readonly string[];
  type: string;
  command: CniCommand;
  containerId: string;
  /** CNI_NETNS; "" on DEL when the namespace is gone (the plugins then skip in-namespace cleanup) */
  netns: string;
  ifName: string;
  args: string;
  stdin: Record<string, unknown>;
  timeoutMs?: number;
}

// Plugins run iptables, ip6tables and their IPAM plugin by name; a fixed PATH keeps that independent
// of how kite itself was started.
const pluginPATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

async function findPlugin(binDirs: readonly string[], type: string): Promise<string> {
  if (!/^[A-Za-z0-9_.-]+$/.test(type) || type.startsWith("."))
    throw new Error(`invalid CNI plugin type ${type}`);
  for (const dir of binDirs) {
    const p = join(dir, type);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {}
  }
  // libcni's words, which is what users of CRI-O and containerd see.
  throw new Error(`failed to find plugin "${type}" in path [${binDirs.join(" ")}]`);
}

/** Run a plugin; returns its parsed stdout (undefined when empty, as DEL's is). */
export async function execPlugin(inv: PluginInvocation, log?: Logger): Promise<unknown> {
  const file = await findPlugin(inv.binDirs, inv.type);
  const env: NodeJS.ProcessEnv = {
    PATH: pluginPATH,
    CNI_COMMAND: inv.command,
    CNI_CONTAINERID: inv.containerId,
    CNI_NETNS: inv.netns,
    CNI_IFNAME: inv.ifName,
    CNI_ARGS: inv.args,
    CNI_PATH: inv.binDirs.join(":"),
  };
  let stdout: string;
  let stderr: string;
  try {
    ({ stdout, stderr } = await run(file, [], {
      env,
      input: JSON.stringify(inv.stdin),
      timeoutMs: inv.timeoutMs ?? 60_000,
      log,
    }));
  } catch (err) {
    if (!(err instanceof ExecError)) throw err;
    throw cniErrorOf(inv, err);
  }
  if (stdout.trim() === "") return undefined;
  try {
    return JSON.parse(stdout) as unknown;
  } catch {
    throw new CniError(
      inv.type,
      inv.command,
      -1,
      `invalid result: ${stdout.slice(0, 200)}`,
      undefined,
      stderr,
    );
  }
}

/** A plugin's error result (JSON on stdout, per the CNI spec), else what it printed. */
function cniErrorOf(inv: PluginInvocation, err: ExecError): CniError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(err.stdout);
  } catch {}
  if (
    typeof parsed === "object" &&
    parsed !== null &&
    typeof (parsed as { msg?: unknown }).msg === "string"
  ) {
    const e = parsed as { code?: unknown; msg: string; details?: unknown };
    return new CniError(
      inv.type,
      inv.command,
      typeof e.code === "number" ? e.code : -1,
      e.msg,
      typeof e.details === "string" && e.details !== "" ? e.details : undefined,
      err.stderr,
    );
  }
  const why = err.signal ? `killed by ${err.signal}` : `exit status ${err.exitCode}`;
  return new CniError(
    inv.type,
    inv.command,
    -1,
    (err.stderr.trim() || err.stdout.trim() || why).slice(0, 4096),
    undefined,
    err.stderr,
  );
}
