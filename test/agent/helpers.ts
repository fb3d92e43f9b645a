// A whole node for the agent's end-to-end tests: a real `kite server --disable-agent`, a real
// registry with the test images (docker.io mirrored to it), an image store, a private CNI network
// (own bridge and pod CIDR), a real oci runtime over a temp root, and the agent under test started
// in this process against the server. Cleanup stops the agent, removes every sandbox, the network
// and the temp dirs (the runtime and network helpers check nothing is left).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.js";
import { parse } from "yaml";
import { type Agent, startAgent } from "../../src/agent/agent.js";
import { type Client, newClient } from "../../src/client/client.js";
import { loadRegistriesConfig } from "../../src/image/registries.js";
import type { ImageService } from "../../src/image/service.js";
import { openImageStore } from "../../src/image/store.js";
import { newOciRuntime, type OciRuntime } from "../../src/runtime/oci/oci-runtime.js";
import { newLogger } from "../../src/util/log.js";
import { newTestNet, type TestNet } from "../network/helpers.js";
import { type KiteServer, removeCgroupParent, startKite } from "../support/kite.js";
import { startTestRegistry, type TestRegistry } from "../support/registry.js";
import { eventually } from "../support/wait.js";

interface AfterHook {
  after(fn: () => Promise<void> | void): void;
}

export interface TestNode {
  kite: KiteServer;
  client: Client;
  registry: TestRegistry;
  images: ImageService;
  runtime: OciRuntime;
  net: TestNet;
  nodeName: string;
  dir: string;
  agent: Agent;
  /** stop the agent (as a crash would leave pods: running) and start a new one */
  restartAgent(): Promise<void>;
  getPod(name: string, ns?: string): Promise<Pod | undefined>;
  create(pod: Pod): Promise<Pod>;
  waitPod(name: string, ok: (p: Pod) => boolean, ms?: number): Promise<Pod>;
}

export function clientFor(kite: KiteServer): Client {
  const kc = parse(fs.readFileSync(kite.kubeconfig, "utf8")) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
  };
  const b = (s: string) => Buffer.from(s, "base64");
  return newClient({
    server: kc.clusters[0]!.cluster.server,
    ca: b(kc.clusters[0]!.cluster["certificate-authority-data"]),
    cert: b(kc.users[0]!.user["client-certificate-data"]),
    key: b(kc.users[0]!.user["client-key-data"]),
    userAgent: "kubelet/v1.33.0 (linux/amd64) kite",
  });
}

export async function startTestNode(t: AfterHook): Promise<TestNode> {
  const dir = fs.mkdtempSync(join(tmpdir(), "kite-agent-"));
  const cgroupParent = `kite-test-${randomBytes(4).toString("hex")}`;
  let node: TestNode | undefined;
  let kite: KiteServer | undefined;
  let registry: TestRegistry | undefined;
  // Registered before the network's own cleanup (hooks run in order): agent and pods go first.
  t.after(async () => {
    if (node) {
      await node.agent.stop();
      for (const s of await node.runtime.listPodSandbox())
        await node.runtime.removePodSandbox(s.id).catch(() => {});
      node.client.close();
      node.images.close();
    }
    removeCgroupParent(cgroupParent);
    await kite?.cleanup();
    await registry?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  registry = await startTestRegistry();
  kite = await startKite();
  const client = clientFor(kite);
  const images = await openImageStore({
    dataDir: dir,
    registries: await loadRegistriesConfig(registry.registriesYaml),
  });
  const net = await newTestNet(t);
  const makeRuntime = () =>
    newOciRuntime({
      rootDir: join(dir, "runtime"),
      images,
      network: net.plugin,
      netnsDir: net.netnsDir,
      cgroupParent,
    });
  const runtime = makeRuntime();
  const nodeName = `node-${randomBytes(3).toString("hex")}`;
  const log = newLogger(process.env.KITE_TEST_LOG ?? "warn");
  const start = () =>
    startAgent(
      {
        nodeName,
        podCIDR: net.cfg.podCIDR,
        dataDir: join(dir, "agent"),
        logDir: join(dir, "pods-log"),
        kubeletVersion: "v1.33.0",
        containerRuntimeVersion: `${runtime.ociRuntime}://1.1.5`,
      },
      { client, runtime: makeRuntime(), images, network: net.plugin, log },
    );
  node = {
    kite,
    client,
    registry,
    images,
    runtime,
    net,
    nodeName,
    dir,
    agent: start(),
    async restartAgent() {
      await this.agent.stop();
      this.agent = start();
      await this.agent.ready;
    },
    async getPod(name, ns = "default") {
      return client.request<Pod>("GET", `/api/v1/namespaces/${ns}/pods/${name}`).catch(() => undefined);
    },
    create(pod) {
      return client.request<Pod>(
        "POST",
        `/api/v1/namespaces/${pod.metadata?.namespace ?? "default"}/pods`,
        pod,
      );
    },
    waitPod(name, ok, ms = 30_000) {
      return eventually(async () => {
        const p = await node?.getPod(name);
        return p && ok(p) ? p : undefined;
      }, ms);
    },
  };
  const n = node;
  await n.agent.ready;
  return n;
}

export const cs = (p: Pod, name: string) => p.status?.containerStatuses?.find((c) => c.name === name);
export const cond = (p: Pod, type: string) => p.status?.conditions?.find((c) => c.type === type)?.status;
