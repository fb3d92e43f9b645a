// A private CNI pod network for a runtime test: its own bridge (kr<random>), a 10.42.x.0/24 no
// route covers yet, a netns dir and a CNI state dir under a temp dir. Cleanup (after the pods are
// gone) collects leftovers, removes the namespaces, the netns dir's bind mount and the network's
// host state (bridge, masquerade rules).
import { execFile } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as cni from "../../src/network/cni.js";
import { removeNetns } from "../../src/network/netns.js";
import type { NetworkConfig, NetworkPlugin } from "../../src/network/plugin.js";
import { mountPoints } from "../../src/runtime/oci/mounts.js";

const execFileP = promisify(execFile);

export interface TestNet {
  dir: string;
  netnsDir: string;
  cfg: NetworkConfig;
  plugin: NetworkPlugin;
  cleanup(): Promise<void>;
}

/** IP allocation files host-local holds for this network. */
export function allocations(net: TestNet): string[] {
  const d = join(net.cfg.stateDir, "ipam", net.cfg.bridge);
  return fs.existsSync(d) ? fs.readdirSync(d).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : [];
}

export async function newTestNet(): Promise<TestNet> {
  const routes = (await execFileP("ip", ["-4", "route", "show", "table", "all"])).stdout;
  let podCIDR = "";
  for (let i = 0; i < 50 && !podCIDR; i++) {
    const net3 = `10.42.${randomInt(100, 251)}.`;
    if (!routes.includes(net3)) podCIDR = `${net3}0/24`;
  }
  if (!podCIDR) throw new Error("no free 10.42.x.0/24 for the test");
  const dir = fs.mkdtempSync(join(tmpdir(), "kite-rtnet-"));
  const netnsDir = join(dir, "netns");
  const cfg: NetworkConfig = {
    bridge: `kr${randomBytes(3).toString("hex").slice(0, 5)}`,
    clusterCIDR: "10.42.0.0/16",
    podCIDR,
    stateDir: join(dir, "state"),
    cniBinDir: "/usr/lib/cni",
  };
  const plugin = cni.newCniNetwork(cfg);
  return {
    dir,
    netnsDir,
    cfg,
    plugin,
    async cleanup() {
      await plugin.garbageCollect(new Set()).catch(() => {});
      const real = fs.existsSync(netnsDir) ? fs.realpathSync(netnsDir) : netnsDir;
      for (const f of fs.existsSync(real) ? fs.readdirSync(real) : []) await removeNetns(join(real, f));
      for (let i = 0; i < 4 && mountPoints().includes(real); i++) await execFileP("umount", [real]);
      // removeNetwork (bridge and masquerade rules) where the network package has it.
      const remove = (cni as Record<string, unknown>).removeNetwork;
      if (typeof remove === "function") await (remove as (c: NetworkConfig) => Promise<void>)(cfg);
      else await execFileP("ip", ["link", "del", cfg.bridge]).catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
