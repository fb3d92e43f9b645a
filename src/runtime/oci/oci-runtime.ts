// The oci backend of the Runtime interface: runc (or crun) for the containers, conmon as each
// container's monitor, catatonit -P as each pod's pause process, overlayfs root filesystems over
// the image store's snapshots, and the pod network through a NetworkPlugin.
//
// It keeps no state in memory: every answer is read from the records under rootDir, /proc for a
// started process still running, the OCI runtime's state otherwise and conmon's exit files, so a
// new instance after a crash sees what the old one left, and two instances over one rootDir agree.

import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../../util/log.js";
import {
  type ContainerFilter,
  type ContainerStatus,
  FailedPreconditionError,
  NotFoundError,
  type PodSandboxFilter,
  type PodSandboxStatus,
  type Runtime,
} from "../runtime.js";
import { ociAttach } from "./attach.js";
import { conmonPid, conmonReopenLog } from "./conmon.js";
import {
  containerRecord,
  containerStatusOf,
  createContainer,
  killAndWait,
  removeContainer,
  startContainer,
  stopContainer,
  waitExit,
} from "./container.js";
import type { Backend, OciRuntimeOptions } from "./context.js";
import { ociExec } from "./exec.js";
import { stillRunning } from "./init-process.js";
import { chooseRuntime, type OciState, ociCli } from "./oci-cli.js";
import { type ContainerRecord, recordStore, type SandboxRecord } from "./records.js";
import { removePodSandbox, runPodSandbox, sandboxRecord, stopPodSandbox } from "./sandbox.js";

export type { OciRuntimeOptions } from "./context.js";

function firstExisting(paths: string[], what: string): string {
  const p = paths.find((x) => fs.existsSync(x));
  if (!p) throw new Error(`${what} not found in ${paths.join(", ")}`);
  return p;
}

function matchLabels(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

export interface OciRuntime extends Runtime {
  /** Which OCI runtime was chosen ("runc" or "crun"). */
  readonly ociRuntime: string;
}

export function newOciRuntime(opts: OciRuntimeOptions): OciRuntime {
  const records = recordStore(opts.rootDir);
  const chosen = chooseRuntime(opts.runtime ?? "auto");
  const log: Logger | undefined = opts.log;
  const cli = ociCli(chosen.name, chosen.path, records.ociStateDir, log);
  const b: Backend = {
    opts,
    records,
    cli,
    conmonPath: opts.conmonPath ?? firstExisting(["/usr/bin/conmon", "/usr/libexec/podman/conmon"], "conmon"),
    catatonitPath:
      opts.catatonitPath ??
      firstExisting(["/usr/bin/catatonit", "/usr/libexec/podman/catatonit"], "catatonit"),
    log,
    notFound: (kind, id) => new NotFoundError(kind, id),
    stopContainer: (id, grace) => stopContainer(b, id, grace),
    removeContainer: (id) => removeContainer(b, id),
    killAndWait: (id, signal, timeoutMs) => killAndWait(b, id, signal, timeoutMs),
  };

  // One `runc list` shared by every caller that asks while it runs (the PLEG relist and each pod
  // worker's sync arrive together), and none at all when only a few records match a filter:
  // then `runc state` of just those. A list per sync made a burst of pods quadratic.
  let inflight: Promise<Map<string, OciState>> | undefined;
  function states(): Promise<Map<string, OciState>> {
    inflight ??= cli
      .list()
      .then((all) => new Map(all.map((s) => [s.id, s])))
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  }
  const fewEnoughForState = 4;
  /**
   * The state of a sandbox or container whose recorded init process still runs, without asking
   * the OCI runtime (init-process.ts); undefined when only the runtime can tell.
   */
  function runningFromProc(r: SandboxRecord | ContainerRecord): OciState | undefined {
    if (!stillRunning(r.init)) return undefined;
    const dir = "sandboxId" in r ? records.containerDir(r.id) : records.sandboxDir(r.id);
    return {
      id: r.id,
      status: "running",
      pid: r.init.pid,
      bundle: path.join(dir, "bundle"),
      created: r.createdAt,
    };
  }

  async function stateOf(r: SandboxRecord | ContainerRecord): Promise<OciState | undefined> {
    return runningFromProc(r) ?? (await cli.state(r.id));
  }

  async function statesOf(candidates: (SandboxRecord | ContainerRecord)[]): Promise<Map<string, OciState>> {
    const out = new Map<string, OciState>();
    const ask: string[] = [];
    for (const r of candidates) {
      const st = runningFromProc(r);
      if (st) out.set(r.id, st);
      else ask.push(r.id);
    }
    if (ask.length > fewEnoughForState) {
      const all = await states();
      for (const id of ask) {
        const st = all.get(id);
        if (st) out.set(id, st);
      }
      return out;
    }
    await Promise.all(
      ask.map(async (id) => {
        const st = await cli.state(id);
        if (st) out.set(id, st);
      }),
    );
    return out;
  }

  function sandboxStatusOf(r: SandboxRecord, state: OciState | undefined): PodSandboxStatus {
    const ready = state?.status === "running" && !r.stopped;
    const status: PodSandboxStatus = {
      id: r.id,
      metadata: r.config.metadata,
      state: ready ? "SANDBOX_READY" : "SANDBOX_NOTREADY",
      createdAt: r.createdAt,
      hostNetwork: r.config.linux?.hostNetwork === true,
      labels: r.config.labels ?? {},
      annotations: r.config.annotations ?? {},
    };
    if (r.ip) status.network = { ip: r.ip };
    if (ready && state) status.pid = state.pid;
    return status;
  }

  async function statusWithExit(id: string, state: OciState | undefined): Promise<ContainerStatus> {
    const record = containerRecord(b, id);
    let status = containerStatusOf(b, record, state);
    // The process is gone but conmon has not written the exit file yet: give it a moment.
    if (
      status.state === "CONTAINER_UNKNOWN" &&
      state?.status === "stopped" &&
      conmonPid(records.containerDir(id))
    ) {
      await waitExit(b, id, 2000);
      status = containerStatusOf(b, record, state);
    }
    return status;
  }

  async function running(id: string): Promise<void> {
    const state = await stateOf(containerRecord(b, id));
    if (state?.status !== "running") {
      throw new FailedPreconditionError(`container ${id} is not running (${state?.status ?? "unknown"})`);
    }
  }

  return {
    ociRuntime: chosen.name,
    runPodSandbox: (config) => runPodSandbox(b, config),
    stopPodSandbox: (id) => stopPodSandbox(b, id),
    removePodSandbox: (id) => removePodSandbox(b, id),
    async podSandboxStatus(id) {
      const r = sandboxRecord(b, id);
      return sandboxStatusOf(r, await stateOf(r));
    },
    async listPodSandbox(filter?: PodSandboxFilter) {
      const candidates: SandboxRecord[] = [];
      for (const id of records.sandboxIds()) {
        if (filter?.id && id !== filter.id) continue;
        const r = records.readSandbox(id);
        if (!r || !matchLabels(r.config.labels ?? {}, filter?.labelSelector)) continue;
        candidates.push(r);
      }
      const all = await statesOf(candidates);
      const out: PodSandboxStatus[] = [];
      for (const r of candidates) {
        const id = r.id;
        const s = sandboxStatusOf(r, all.get(id));
        if (filter?.state && s.state !== filter.state) continue;
        if (!matchLabels(s.labels, filter?.labelSelector)) continue;
        out.push(s);
      }
      return out.sort((x, y) => x.createdAt.localeCompare(y.createdAt));
    },
    createContainer: (sandboxId, config) => createContainer(b, sandboxId, config),
    startContainer: (id) => startContainer(b, id),
    stopContainer: (id, grace) => stopContainer(b, id, grace),
    removeContainer: (id) => removeContainer(b, id),
    async containerStatus(id) {
      return statusWithExit(id, await stateOf(containerRecord(b, id)));
    },
    async listContainers(filter?: ContainerFilter) {
      const candidates: ContainerRecord[] = [];
      for (const id of records.containerIds()) {
        if (filter?.id && id !== filter.id) continue;
        const r = records.readContainer(id);
        if (!r) continue;
        if (filter?.podSandboxId && r.sandboxId !== filter.podSandboxId) continue;
        if (!matchLabels(r.config.labels ?? {}, filter?.labelSelector)) continue;
        candidates.push(r);
      }
      const all = await statesOf(candidates);
      const out: ContainerStatus[] = [];
      for (const { id } of candidates) {
        const s = await statusWithExit(id, all.get(id));
        if (filter?.state && s.state !== filter.state) continue;
        if (!matchLabels(s.labels, filter?.labelSelector)) continue;
        out.push(s);
      }
      return out.sort((x, y) => x.createdAt.localeCompare(y.createdAt));
    },
    async execSync(id, cmd, timeout) {
      await running(id);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const { Writable } = await import("node:stream");
      const sink = (into: Buffer[]) =>
        new Writable({
          write(chunk: Buffer, _enc, cb) {
            into.push(chunk);
            cb();
          },
        });
      const exitCode = await ociExec(
        cli,
        // Short: the console socket path must fit in sun_path (108 bytes).
        records.socketDir,
        {
          id,
          cmd,
          stdout: sink(out),
          stderr: sink(err),
          timeoutMs: timeout > 0 ? timeout * 1000 : undefined,
        },
        log,
      );
      return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), exitCode };
    },
    async exec(id, o) {
      await running(id);
      return ociExec(
        cli,
        // Short: the console socket path must fit in sun_path (108 bytes).
        records.socketDir,
        {
          id,
          cmd: o.cmd,
          stdin: o.stdin,
          stdout: o.stdout,
          stderr: o.stderr,
          tty: o.tty,
          resize: o.resize,
          timeoutMs: o.timeout ? o.timeout * 1000 : undefined,
          signal: o.signal,
        },
        log,
      );
    },
    async attach(id, o) {
      await running(id);
      const { config } = containerRecord(b, id);
      const target = {
        id,
        bundle: `${records.containerDir(id)}/bundle`,
        tty: config.tty === true,
        stdin: config.stdin === true,
      };
      return ociAttach(target, o, log);
    },
    async reopenContainerLog(id) {
      containerRecord(b, id);
      if (!conmonPid(records.containerDir(id))) {
        throw new FailedPreconditionError(`container ${id} has no running monitor to reopen its log`);
      }
      conmonReopenLog(`${records.containerDir(id)}/bundle`);
    },
  };
}
