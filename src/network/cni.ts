// The CNI backend of NetworkPlugin, playing the part of libcni in CRI-O and containerd: "lo" through
// the loopback plugin and, alongside it (containerd's go-cni attaches networks in parallel too), the
// pod network list (bridge with host-local IPAM, portmap for hostPorts) with each plugin's result
// chained into the next as prevResult. Egress SNAT is one static rule set (masquerade.ts). The final result is
// cached per sandbox under <stateDir>/results (libcni keeps /var/lib/cni/results), so status and
// DEL work after kite restarts, and DEL gets the same config and prevResult as ADD did.
//
// State under cfg.stateDir:
//   ipam/<bridge>/<ip>        host-local's allocations ("<sandboxId>\r\n<ifName>")
//   results/<sandboxId>.json  the cached ADD (config, capability args, result, status)
import { access, mkdir, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../util/exec.js";
import type { Logger } from "../util/log.js";
import {
  buildNetworkList,
  type CapabilityArgs,
  type CniNetworkList,
  type CniResult,
  cniArgs,
  loopbackNetwork,
  parseResult,
  pluginStdin,
  statusFromResult,
  toCniPortMappings,
  validateNetworkConfig,
} from "./conflist.js";
import { execPlugin } from "./invoke.js";
import { sandboxIdsWithRules, savedNatRules, sweepNatRules } from "./iptables.js";
import { ensurePodMasquerade, removePodMasquerade } from "./masquerade.js";
import { netnsExists } from "./netns.js";
import type { NetworkConfig, NetworkPlugin, PodNetworkRequest, PodNetworkStatus } from "./plugin.js";

export { defaultNetworkConfig } from "./conflist.js";
export { CniError } from "./invoke.js";

interface CachedSandbox {
  kind: "kite.cni.cache/v1";
  sandboxId: string;
  namespace: string;
  name: string;
  uid: string;
  netnsPath: string;
  ifName: string;
  networkList: CniNetworkList;
  capabilityArgs: CapabilityArgs;
  result: CniResult;
  status: PodNetworkStatus;
}

/** What a DEL needs; a cached ADD, or as much as is known of a sandbox without one. */
interface Attachment {
  sandboxId: string;
  args: string;
  netnsPath: string;
  ifName: string;
  networkList: CniNetworkList;
  capabilityArgs: CapabilityArgs;
  result?: CniResult;
  hostVeth?: string;
}

const validId = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function newCniNetwork(cfg: NetworkConfig, log?: Logger): NetworkPlugin {
  const problems = validateNetworkConfig(cfg);
  if (problems.length > 0) throw new Error(`invalid pod network config: ${problems.join("; ")}`);
  const binDirs = cfg.cniBinDir.split(":").filter((d) => d !== "");
  const ipamDir = join(cfg.stateDir, "ipam");
  const resultsDir = join(cfg.stateDir, "results");
  const networkList = buildNetworkList(cfg, ipamDir);
  const inFlight = new Set<string>();
  let masquerade: Promise<void> | undefined;
  // Once per process (a failure is retried by the next setUp); garbageCollect repairs it later.
  function ensureMasquerade(): Promise<void> {
    masquerade ??= ensurePodMasquerade(cfg, log).catch((err) => {
      masquerade = undefined;
      throw err;
    });
    return masquerade;
  }
  const locks = new Map<string, Promise<unknown>>();

  // One operation per sandbox at a time: an ADD racing its own DEL would leak the IP.
  function locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = locks.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    locks.set(id, tail);
    void tail.then(() => {
      if (locks.get(id) === tail) locks.delete(id);
    });
    return next;
  }

  function checkId(id: string): void {
    if (!validId.test(id)) throw new Error(`invalid sandbox id ${JSON.stringify(id)}`);
  }

  const cachePath = (id: string) => join(resultsDir, `${id}.json`);

  async function readCache(id: string): Promise<CachedSandbox | undefined> {
    let text: string;
    try {
      text = await readFile(cachePath(id), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    try {
      const c = JSON.parse(text) as CachedSandbox;
      if (c.kind !== "kite.cni.cache/v1" || c.sandboxId !== id) throw new Error("not a kite CNI cache entry");
      return c;
    } catch (err) {
      // A torn or foreign file must not block teardown: DEL then runs with the current config.
      log?.warn({ err, sandboxId: id }, "ignoring unreadable CNI result cache");
      return undefined;
    }
  }

  async function writeCache(c: CachedSandbox): Promise<void> {
    await mkdir(resultsDir, { recursive: true, mode: 0o700 });
    const tmp = `${cachePath(c.sandboxId)}.tmp`;
    await writeFile(tmp, JSON.stringify(c), { mode: 0o600 });
    await rename(tmp, cachePath(c.sandboxId));
  }

  async function removeCache(id: string): Promise<void> {
    await unlink(cachePath(id)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
  }

  function attachmentOf(c: CachedSandbox): Attachment {
    const a: Attachment = {
      sandboxId: c.sandboxId,
      args: cniArgs(c),
      netnsPath: c.netnsPath,
      ifName: c.ifName,
      networkList: c.networkList,
      capabilityArgs: c.capabilityArgs,
      result: c.result,
    };
    if (c.status.hostVeth) a.hostVeth = c.status.hostVeth;
    return a;
  }

  function hasPorts(caps: CapabilityArgs): boolean {
    return (caps.portMappings?.length ?? 0) > 0;
  }

  // CNI DEL of the pod network (plugins in reverse order, the cached result as prevResult), then of
  // loopback. With the namespace gone, CNI_NETNS is empty: bridge then only releases the IP (the
  // kernel destroyed the veth with the namespace), and kite removes the masquerade rules bridge
  // can no longer find.
  async function del(a: Attachment, opts: { alwaysPortmap?: boolean } = {}): Promise<void> {
    const nsAlive = a.netnsPath !== "" && (await netnsExists(a.netnsPath));
    const netns = nsAlive ? a.netnsPath : "";
    const podNetwork = async () => {
      for (const plugin of [...a.networkList.plugins].reverse()) {
        // portmap with no mappings created nothing; DEL would only cost a round of iptables calls.
        if (plugin.type === "portmap" && !hasPorts(a.capabilityArgs) && !opts.alwaysPortmap) continue;
        await execPlugin(
          {
            binDirs,
            type: plugin.type,
            command: "DEL",
            containerId: a.sandboxId,
            netns,
            ifName: a.ifName,
            args: a.args,
            stdin: pluginStdin(a.networkList, plugin, a.result, a.capabilityArgs),
          },
          log,
        );
      }
    };
    const loopback = async () => {
      if (!nsAlive) return;
      await execPlugin(
        {
          binDirs,
          type: "loopback",
          command: "DEL",
          containerId: a.sandboxId,
          netns,
          ifName: "lo",
          args: a.args,
          stdin: pluginStdin(loopbackNetwork, loopbackNetwork.plugins[0]!, undefined, {}),
        },
        log,
      );
    };
    await settleAll([podNetwork(), loopback()]);
    if (!nsAlive) {
      await sweepNatRules(a.networkList.name, (id) => id === a.sandboxId, log);
      // Only reachable when the namespace is pinned somewhere kite can't see; deleting one end
      // of a veth pair deletes both.
      if (a.hostVeth && (await linkExists(a.hostVeth))) {
        await run("ip", ["link", "del", a.hostVeth], { log }).catch(() => {});
      }
    }
  }

  async function add(req: PodNetworkRequest): Promise<PodNetworkStatus> {
    const ifName = req.ifName ?? "eth0";
    const args = cniArgs(req);
    const capabilityArgs: CapabilityArgs = { portMappings: toCniPortMappings(req.portMappings) };
    const attachment: Attachment = {
      sandboxId: req.sandboxId,
      args,
      netnsPath: req.netnsPath,
      ifName,
      networkList,
      capabilityArgs,
    };
    try {
      const loopback = execPlugin(
        {
          binDirs,
          type: "loopback",
          command: "ADD",
          containerId: req.sandboxId,
          netns: req.netnsPath,
          ifName: "lo",
          args,
          stdin: pluginStdin(loopbackNetwork, loopbackNetwork.plugins[0]!, undefined, {}),
        },
        log,
      );
      const podNetwork = (async () => {
        let prev: CniResult | undefined;
        for (const plugin of networkList.plugins) {
          if (plugin.type === "portmap" && !hasPorts(capabilityArgs)) continue;
          const out = await execPlugin(
            {
              binDirs,
              type: plugin.type,
              command: "ADD",
              containerId: req.sandboxId,
              netns: req.netnsPath,
              ifName,
              args,
              stdin: pluginStdin(networkList, plugin, prev, capabilityArgs),
            },
            log,
          );
          prev = parseResult(out);
          attachment.result = prev;
        }
        return prev;
      })();
      const [, prev] = await settleAll([loopback, podNetwork, ensureMasquerade()]);
      const result = prev!;
      const status = statusFromResult(result, cfg.bridge);
      await writeCache({
        kind: "kite.cni.cache/v1",
        sandboxId: req.sandboxId,
        namespace: req.namespace,
        name: req.name,
        uid: req.uid,
        netnsPath: req.netnsPath,
        ifName,
        networkList,
        capabilityArgs,
        result,
        status,
      });
      return status;
    } catch (err) {
      // As CRI-O and containerd do after a failed ADD: undo what the plugins did, so the IP and
      // rules don't leak while the sandbox is retried or abandoned.
      await del(attachment).catch((delErr) =>
        log?.warn({ err: delErr, sandboxId: req.sandboxId }, "cleanup after failed CNI ADD"),
      );
      throw err;
    }
  }

  return {
    setUpPod(req) {
      checkId(req.sandboxId);
      return locked(req.sandboxId, async () => {
        const cached = await readCache(req.sandboxId);
        if (cached && cached.netnsPath === req.netnsPath && (await netnsExists(req.netnsPath))) {
          return cached.status;
        }
        if (cached) {
          await del(attachmentOf(cached));
          await removeCache(req.sandboxId);
        }
        inFlight.add(req.sandboxId);
        try {
          return await add(req);
        } finally {
          inFlight.delete(req.sandboxId);
        }
      });
    },

    tearDownPod(req) {
      checkId(req.sandboxId);
      return locked(req.sandboxId, async () => {
        const cached = await readCache(req.sandboxId);
        const a: Attachment = cached
          ? attachmentOf(cached)
          : {
              sandboxId: req.sandboxId,
              args: cniArgs(req),
              netnsPath: req.netnsPath,
              ifName: req.ifName ?? "eth0",
              networkList,
              capabilityArgs: { portMappings: toCniPortMappings(req.portMappings) },
            };
        if (req.netnsPath) a.netnsPath = req.netnsPath;
        await del(a);
        await removeCache(req.sandboxId);
      });
    },

    async podStatus(sandboxId) {
      checkId(sandboxId);
      return (await readCache(sandboxId))?.status;
    },

    async garbageCollect(live) {
      const collected = new Set<string>();
      const keep = (id: string) => live.has(id) || inFlight.has(id);

      masquerade = undefined;
      await ensureMasquerade().catch((err) =>
        log?.warn({ err }, "failed to install the pod masquerade rules"),
      );

      // 1. Sandboxes with a cached ADD: a full DEL with what ADD used.
      const liveVeths = new Set<string>();
      for (const f of await readdir(resultsDir).catch(() => [] as string[])) {
        if (!f.endsWith(".json")) {
          if (f.endsWith(".tmp")) await unlink(join(resultsDir, f)).catch(() => {});
          continue;
        }
        const id = f.slice(0, -".json".length);
        if (!validId.test(id)) continue;
        if (keep(id)) {
          const veth = (await readCache(id))?.status.hostVeth;
          if (veth) liveVeths.add(veth);
          continue;
        }
        try {
          await locked(id, async () => {
            const cached = await readCache(id);
            if (cached) await del(attachmentOf(cached));
            await removeCache(id);
          });
          collected.add(id);
        } catch (err) {
          log?.warn({ err, sandboxId: id }, "failed to tear down the network of a stale sandbox");
        }
      }

      // 2. IP allocations without a cache entry (kite died between ADD and writing the cache):
      // DEL by container id, which is how host-local releases.
      const allocDir = join(ipamDir, networkList.name);
      for (const f of await readdir(allocDir).catch(() => [] as string[])) {
        if (f === "lock" || f.startsWith("last_reserved_ip")) continue;
        const [id, ifName] = (await readFile(join(allocDir, f), "utf8").catch(() => "")).split(/\r?\n/);
        if (!id || !validId.test(id) || keep(id) || collected.has(id)) continue;
        try {
          await locked(id, () =>
            del({
              sandboxId: id,
              args: cniArgs({ sandboxId: id, namespace: "", name: "", uid: "" }),
              netnsPath: "",
              ifName: ifName || "eth0",
              networkList,
              capabilityArgs: {},
            }),
          );
          collected.add(id);
        } catch (err) {
          log?.warn({ err, sandboxId: id, ip: f }, "failed to release a leaked IP allocation");
        }
      }

      // 3. Masquerade and hostPort rules of sandboxes that are gone.
      const rules = await savedNatRules(log);
      const stale = [...sandboxIdsWithRules(rules, networkList.name)].filter((id) => !keep(id));
      if (stale.length > 0) {
        const set = new Set(stale);
        for (const id of await sweepNatRules(networkList.name, (id) => set.has(id), log, rules))
          collected.add(id);
      }

      // 4. Host veths left on the bridge that no live sandbox owns (their namespace is pinned
      // somewhere). Skipped while an ADD runs, whose veth has no cache entry yet.
      if (inFlight.size === 0) {
        for (const port of await readdir(`/sys/class/net/${cfg.bridge}/brif`).catch(() => [] as string[])) {
          if (liveVeths.has(port)) continue;
          log?.info({ veth: port, bridge: cfg.bridge }, "removing leftover pod veth");
          await run("ip", ["link", "del", port], { log }).catch(() => {});
        }
      }
      return [...collected].sort();
    },
  };
}

/** Like Promise.all, but waits for every promise before rejecting with the first failure, so a
 * cleanup never runs while a plugin is still working on the same sandbox. */
async function settleAll<T extends readonly unknown[]>(ps: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const rs = await Promise.allSettled(ps);
  const failed = rs.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return rs.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * Remove what a network keeps on the host besides its pods: the masquerade rules and the bridge
 * (for uninstalling kite, and for tests). Tear down or collect the pods first.
 */
export async function removeNetwork(cfg: NetworkConfig, log?: Logger): Promise<void> {
  await removePodMasquerade(cfg, log);
  if (await linkExists(cfg.bridge)) await run("ip", ["link", "del", cfg.bridge], { log });
}

async function linkExists(name: string): Promise<boolean> {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(name)) return false;
  try {
    await access(`/sys/class/net/${name}`);
    return true;
  } catch {
    return false;
  }
}
