// Lifecycle hooks (kubelet's lifecycle/handlers.go): postStart right after the container starts,
// preStop before it is signalled; exec in the container, an HTTP GET, or a sleep.
import type { Container, LifecycleHandler } from "kubernetes-types/core/v1.js";
import type { Runtime } from "../runtime/runtime.js";
import { runHTTPGet } from "./prober/probe.js";

export interface HookTarget {
  runtime: Runtime;
  containerId: string;
  container: Container;
  podIP: string;
  userAgent: string;
}

/** Runs a hook; resolves to undefined on success, or the failure message. */
export async function runHook(
  t: HookTarget,
  h: LifecycleHandler,
  timeoutSeconds: number,
): Promise<string | undefined> {
  if (h.exec) {
    const cmd = h.exec.command ?? [];
    try {
      const r = await t.runtime.execSync(t.containerId, cmd, timeoutSeconds);
      if (r.exitCode === 0) return undefined;
      return `command '${cmd.join(" ")}' exited with ${r.exitCode}: ${r.stdout}${r.stderr}`;
    } catch (err) {
      return (err as Error).message;
    }
  }
  if (h.httpGet) {
    const r = await runHTTPGet(t, h.httpGet, timeoutSeconds);
    return r.result === "success" ? undefined : r.output;
  }
  if (h.sleep) {
    await new Promise((r) => setTimeout(r, Math.min(h.sleep?.seconds ?? 0, timeoutSeconds) * 1000));
    return undefined;
  }
  return "a lifecycle handler needs exec, httpGet or sleep";
}
