// A private pod network per test: its own bridge (kt<random>), pod CIDR (10.42.<100-250>.0/24 not
// routed on the host yet), netns dir and state dir under a temp dir. Cleanup removes the
// namespaces, their dir's bind mount, the bridge and the plugins' iptables leftovers, then checks
// that nothing of the test is left in `ip link`, the mount table or iptables-save.
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { newCniNetwork, removeNetwork } from "../../src/network/cni.js";
import { createNetns, parseMountInfo, removeNetns } from "../../src/network/netns.js";
import type { NetworkConfig, NetworkPlugin, PodNetworkRequest } from "../../src/network/plugin.js";

export const execFileP = promisify(execFile);

export async function sh(file: string, args: string[]): Promise<string> {
  return (await execFileP(file, args, { maxBuffer: 16 << 20 })).stdout;
}

export interface TestNet {
  dir: string;
  netnsDir: string;
  cfg: NetworkConfig;
  plugin: NetworkPlugin;
  /** a fresh netns and a request for it; the netns is removed at cleanup */
  sandbox(name?: string): Promise<PodNetworkRequest>;
  /** sandbox ids this test used (cleanup checks none has rules left) */
  ids: Set<string>;
  /** run `fn` at cleanup before the network is taken apart (servers inside the namespaces) */
  after(fn: () => Promise<void> | void): void;
}

interface AfterHook {
  after(fn: () => Promise<void> | void): void;
}

async function routedPrefixes(): Promise<string> {
  return sh("ip", ["-4", "route", "show", "table", "all"]);
}

/** A /24 (or smaller, `prefix`) in 10.42.100-250.x that no route on the host covers yet. */
async function freePodCIDR(prefix: number): Promise<string> {
  const routes = await routedPrefixes();
  for (let i = 0; i < 50; i++) {
    const net3 = `10.42.${randomInt(100, 251)}.`;
    if (!routes.includes(net3)) return `${net3}0/${prefix}`;
  }
  throw new Error("no free 10.42.x.0/24 for the test");
}

export async function natRules(): Promise<string> {
  return sh("iptables-save", ["-t", "nat"]).catch(() => "");
}

export async function newTestNet(t: AfterHook, opts: { prefix?: number } = {}): Promise<TestNet> {
  const dir = fs.mkdtempSync(join(tmpdir(), "kite-net-"));
  const netnsDir = join(dir, "netns");
  const bridge = `kt${randomBytes(3).toString("hex").slice(0, 5)}`;
  const cfg: NetworkConfig = {
    bridge,
    clusterCIDR: "10.42.0.0/16",
    podCIDR: await freePodCIDR(opts.prefix ?? 24),
    stateDir: join(dir, "state"),
    cniBinDir: "/usr/lib/cni",
  };
  // Claim the subnet at once (the bridge with its gateway address, as the bridge plugin would make
  // it), so that the route shows and concurrent tests choosing a subnet skip this one.
  const gateway = cfg.podCIDR.replace(/\.0\/(\d+)$/, ".1/$1");
  await sh("ip", ["link", "add", bridge, "type", "bridge"]);
  await sh("ip", ["addr", "add", gateway, "dev", bridge]);
  await sh("ip", ["link", "set", bridge, "up"]);
  const plugin = newCniNetwork(cfg);
  const ids = new Set<string>();
  const first: (() => Promise<void> | void)[] = [];
  const hadHostportChains = (await natRules()).includes(":CNI-HOSTPORT-DNAT");
  t.after(async () => {
    const failed: unknown[] = [];
    for (const fn of first.reverse())
      await Promise.resolve()
        .then(fn)
        .catch((err: unknown) => failed.push(err));
    await cleanup(dir, netnsDir, cfg, ids, hadHostportChains);
    if (failed.length > 0) throw new AggregateError(failed, "network test cleanup failed");
  });
  return {
    dir,
    netnsDir,
    cfg,
    plugin,
    ids,
    after(fn) {
      first.push(fn);
    },
    async sandbox(name) {
      const sandboxId = `${name ?? "sb"}-${randomBytes(6).toString("hex")}`;
      ids.add(sandboxId);
      const netnsPath = await createNetns(sandboxId, netnsDir);
      return { sandboxId, namespace: "default", name: name ?? "pod", uid: `uid-${sandboxId}`, netnsPath };
    },
  };
}

function mountsUnder(dir: string): string[] {
  return parseMountInfo(fs.readFileSync("/proc/self/mountinfo", "utf8"))
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
}

async function cleanup(
  dir: string,
  netnsDir: string,
  cfg: NetworkConfig,
  ids: Set<string>,
  hadHostportChains: boolean,
): Promise<void> {
  const netnsDirReal = fs.existsSync(netnsDir) ? fs.realpathSync(netnsDir) : netnsDir;
  // Every step runs even when an earlier one fails, so one failure doesn't leak the rest.
  const errors: unknown[] = [];
  const attempt = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      errors.push(err);
    }
  };
  // Whatever a failed test left: a DEL per sandbox, then the namespaces, dir mount and network.
  await attempt(() => newCniNetwork(cfg).garbageCollect(new Set()));
  for (const f of fs.existsSync(netnsDir) ? fs.readdirSync(netnsDir) : []) {
    await attempt(() => removeNetns(join(netnsDirReal, f)));
  }
  for (let i = 0; i < 4 && mountsUnder(netnsDirReal).includes(netnsDirReal); i++) {
    await attempt(() => sh("umount", [netnsDirReal]));
  }
  await attempt(() => removeNetwork(cfg));
  // portmap creates its shared chains once and never removes them; drop them again if this test
  // made them and no one has a mapping in them now.
  let rules = await natRules();
  if (!hadHostportChains && rules.includes(":CNI-HOSTPORT-DNAT") && !/^-A CNI-HOSTPORT-DNAT /m.test(rules)) {
    const nat = (args: string[]) => sh("iptables", ["-w", "-t", "nat", ...args]).catch(() => "");
    await nat(["-D", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "CNI-HOSTPORT-DNAT"]);
    await nat(["-D", "OUTPUT", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "CNI-HOSTPORT-DNAT"]);
    await nat([
      "-D",
      "POSTROUTING",
      "-m",
      "comment",
      "--comment",
      "CNI portfwd requiring masquerade",
      "-j",
      "CNI-HOSTPORT-MASQ",
    ]);
    for (const c of ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SETMARK"]) {
      await nat(["-F", c]);
      await nat(["-X", c]);
    }
    rules = await natRules();
  }
  const leftMounts = mountsUnder(dir);
  if (leftMounts.length === 0) fs.rmSync(dir, { recursive: true, force: true });
  if (errors.length > 0) throw new AggregateError(errors, "network test cleanup failed");
  // Nothing of this test may be left.
  const links = await sh("ip", ["-o", "link", "show"]);
  assert.doesNotMatch(links, new RegExp(`\\b${cfg.bridge}\\b`), "bridge left behind");
  assert.ok(!rules.includes(`KITE-MASQ-${cfg.bridge}`), `masquerade rules left behind:\n${rules}`);
  assert.deepEqual(leftMounts, [], "mounts left behind");
  const subnet = cfg.podCIDR.split(".").slice(0, 3).join(".");
  assert.ok(!rules.includes(`--to-destination ${subnet}.`), `hostPort rules into ${cfg.podCIDR} left behind`);
  for (const id of ids) assert.ok(!rules.includes(`id: \\"${id}\\"`), `nat rules of ${id} left behind`);
  assert.ok(!(await routedPrefixes()).includes(`${subnet}.`), "route left behind");
}

/** IP allocation files host-local holds in this network's state dir. */
export function allocations(tn: TestNet): string[] {
  const d = join(tn.cfg.stateDir, "ipam", tn.cfg.bridge);
  return fs.existsSync(d) ? fs.readdirSync(d).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : [];
}

export async function linkExists(name: string): Promise<boolean> {
  return fs.existsSync(`/sys/class/net/${name}`);
}

/**
 * busybox httpd serving `body` on :port inside the namespace, killed at cleanup (pass the TestNet
 * as `t` so that happens before its namespaces are removed). Returns the
 * clients' addresses as httpd logged them (-v), in order, once it logged at least n.
 */
export async function startHttpd(
  t: AfterHook,
  netnsPath: string,
  port: number,
  body: string,
): Promise<(n: number) => Promise<string[]>> {
  const www = fs.mkdtempSync(join(tmpdir(), "kite-www-"));
  fs.writeFileSync(join(www, "index.html"), body);
  const logFd = fs.openSync(join(www, "access.log"), "w");
  const child: ChildProcess = spawn(
    "nsenter",
    [`--net=${netnsPath}`, "busybox", "httpd", "-f", "-v", "-p", String(port), "-h", www],
    { stdio: ["ignore", "ignore", logFd] },
  );
  fs.closeSync(logFd);
  const logged = () =>
    [
      ...fs
        .readFileSync(join(www, "access.log"), "utf8")
        .matchAll(/^\[?(?:::ffff:)?([\d.]+)\]?:\d+: response/gm),
    ].map((m) => m[1]!);
  // httpd's child logs after the response is sent; wait for `n` entries (or the deadline).
  const clients = async (n: number) => {
    const deadline = Date.now() + 3000;
    while (logged().length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return logged();
  };
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await gone;
    }
    fs.rmSync(www, { recursive: true, force: true });
  });
  // Listening once the socket shows up in the namespace's own table.
  const deadline = Date.now() + 5000;
  for (;;) {
    const ss = await sh("nsenter", [`--net=${netnsPath}`, "ss", "-ltnH"]);
    if (ss.includes(`:${port} `)) return clients;
    if (Date.now() > deadline) throw new Error(`httpd on :${port} did not start`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** GET http://host:port/ from the host's network namespace. */
export function httpGet(host: string, port: number, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: "/", timeout: timeoutMs, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("timeout", () => req.destroy(new Error(`timeout connecting to ${host}:${port}`)));
    req.on("error", reject);
  });
}

/** GET from inside a namespace (curl from the host's filesystem, only the network is the pod's). */
export async function httpGetFrom(netnsPath: string, host: string, port: number): Promise<string> {
  return sh("nsenter", [`--net=${netnsPath}`, "curl", "-sS", "--max-time", "3", `http://${host}:${port}/`]);
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface IpAddr {
  ifname: string;
  flags: string[];
  operstate: string;
  addr_info: { family: string; local: string; prefixlen: number }[];
}

export async function addrsIn(netnsPath: string): Promise<IpAddr[]> {
  return JSON.parse(await sh("nsenter", [`--net=${netnsPath}`, "ip", "-j", "addr", "show"])) as IpAddr[];
}
