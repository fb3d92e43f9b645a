// The streaming path end to end without the agent's pod workers: kite's API server (the same
// pieces `kite server` assembles, plus the node proxy wired as the lead will wire it), a real
// runtime with a real pod sandbox and containers labelled as the kubelet labels them, the node's
// streaming server over that runtime, and Node/Pod objects pointing at it. kubectl then talks to
// it as to any cluster.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import { type StreamingServer, startStreamingServer } from "../../src/agent/server/server.js";
import { isStatusError } from "../../src/api/errors.js";
import { findResource } from "../../src/api/registry.js";
import { defaultAdmission } from "../../src/apiserver/admission.js";
import { newAuthenticator } from "../../src/apiserver/authn.js";
import { newMachinery } from "../../src/apiserver/machinery-impl.js";
import { openapiProvider } from "../../src/apiserver/openapi.js";
import { ensurePki } from "../../src/apiserver/pki.js";
import { printTable } from "../../src/apiserver/printers/index.js";
import { acceptUpgrades, newNodeProxy } from "../../src/apiserver/proxy/node-proxy.js";
import { newGenericRegistry } from "../../src/apiserver/registry/generic.js";
import { type ApiServer, startApiServer } from "../../src/apiserver/server.js";
import { writeKubeconfig } from "../../src/cli/kubeconfig.js";
import type { ContainerConfig } from "../../src/runtime/runtime.js";
import { openSqliteStore } from "../../src/store/sqlite/store.js";
import { newLogger } from "../../src/util/log.js";
import { newTestRuntime, type TestRuntime } from "../runtime/helpers.js";
import type { KiteServer } from "../support/kite.js";

interface AfterHook {
  after(fn: () => Promise<void> | void): void;
}

export interface Cluster {
  /** enough of KiteServer for test/support/kubectl.ts */
  kite: KiteServer;
  rt: TestRuntime;
  api: ApiServer;
  node: StreamingServer;
  dataDir: string;
  /** runs a pod: sandbox + containers in the runtime, a Pod object bound to the node, Running */
  runPod(name: string, containers: { name: string; image: string; command?: string[] }[]): Promise<PodHandle>;
}

export interface PodHandle {
  sandboxId: string;
  uid: string;
  containerIds: Record<string, string>;
  logDir: string;
  /** re-creates a container as its next restart (attempt n+1), as the kubelet does */
  restart(container: string): Promise<string>;
}

const opts = { dryRun: false, fieldManager: "test", fieldValidation: "Strict" as const };

export async function startCluster(t: AfterHook): Promise<Cluster> {
  const dataDir = mkdtempSync(join(tmpdir(), "kite-stream-"));
  const home = mkdtempSync(join(tmpdir(), "kite-home-"));
  const log = newLogger("warn");
  const pki = await ensurePki(dataDir, { dns: [], ips: [] });
  const store = openSqliteStore({ file: join(dataDir, "server", "db", "state.db"), log: () => {} });
  const registry = newGenericRegistry(store, newMachinery(), defaultAdmission);
  const namespaces = findResource("", "v1", "namespaces")!;
  for (const name of ["default", "kube-system"]) {
    try {
      await registry.create(namespaces, undefined, { metadata: { name } }, opts);
    } catch (err) {
      if (!isStatusError(err, "AlreadyExists")) throw err;
    }
  }
  const api = await startApiServer({
    bindAddress: "127.0.0.1",
    port: 0,
    tls: { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert },
    authenticator: newAuthenticator([
      { token: pki.adminToken, user: { name: "system:admin", groups: ["system:masters"] } },
    ]),
    store,
    registry,
    printTable,
    openapi: openapiProvider(),
    log,
    version: { major: "1", minor: "33", gitVersion: "v1.33.0+kite" },
    connect: newNodeProxy({
      get: (r, ns, name) => registry.get(r, ns, name),
      clientCert: pki.kubeletClientCert,
      clientKey: pki.kubeletClientKey,
    }),
  });
  acceptUpgrades(api.server);
  const rt = await newTestRuntime(t, { network: true });
  const node = await startStreamingServer({
    runtime: rt.runtime,
    clientCA: pki.caCert,
    certDir: join(dataDir, "agent", "tls"),
    bindAddress: "127.0.0.1",
    port: 0,
  });
  const kubeconfig = join(dataDir, "kubeconfig.yaml");
  const server = `https://127.0.0.1:${api.port}`;
  await writeKubeconfig(kubeconfig, {
    server,
    caCert: pki.caCert,
    clientCert: pki.adminCert,
    clientKey: pki.adminKey,
  });
  const nodes = findResource("", "v1", "nodes")!;
  await registry.create(
    nodes,
    undefined,
    { apiVersion: "v1", kind: "Node", metadata: { name: "node-1" }, spec: {} },
    opts,
  );
  await registry.patch(
    nodes,
    undefined,
    "node-1",
    "merge",
    {
      status: {
        addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
        daemonEndpoints: { kubeletEndpoint: { Port: node.port } },
      },
    },
    { ...opts, subresource: "status" },
  );
  t.after(async () => {
    await node.close();
    await api.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });
  const kite = { dataDir, kubeconfig, server, port: api.port, home } as unknown as KiteServer;
  const pods = findResource("", "v1", "pods")!;

  async function runPod(name: string, cs: { name: string; image: string; command?: string[] }[]) {
    const spec: Container[] = cs.map((c) => ({ name: c.name, image: c.image, command: c.command }));
    const created = (
      await registry.create(
        pods,
        "default",
        { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: spec, nodeName: "node-1" } },
        opts,
      )
    ).entry.object as unknown as Pod;
    const uid = created.metadata!.uid!;
    const sc = rt.sandboxConfig(name);
    sc.metadata.uid = uid;
    sc.logDirectory = join(rt.logDir, `default_${name}_${uid}`);
    sc.labels = {
      "io.kubernetes.pod.name": name,
      "io.kubernetes.pod.namespace": "default",
      "io.kubernetes.pod.uid": uid,
    };
    const sandboxId = await rt.runtime.runPodSandbox(sc);
    const containerIds: Record<string, string> = {};
    const attempts: Record<string, number> = {};
    const start = async (c: (typeof cs)[number], attempt: number) => {
      const cfg: ContainerConfig = rt.containerConfig(c.name, c.image, {
        command: c.command,
        metadata: { name: c.name, attempt },
        logPath: `${c.name}/${attempt}.log`,
        labels: { ...sc.labels, "io.kubernetes.container.name": c.name },
      });
      const id = await rt.runtime.createContainer(sandboxId, cfg);
      await rt.runtime.startContainer(id);
      containerIds[c.name] = id;
      attempts[c.name] = attempt + 1;
      return id;
    };
    for (const c of cs) await start(c, 0);
    await registry.patch(
      pods,
      "default",
      name,
      "merge",
      {
        status: {
          phase: "Running",
          containerStatuses: cs.map((c) => ({
            name: c.name,
            image: c.image,
            imageID: "",
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: new Date().toISOString() } },
          })),
        },
      },
      { ...opts, subresource: "status" },
    );
    return {
      sandboxId,
      uid,
      containerIds,
      logDir: sc.logDirectory,
      async restart(container: string) {
        const c = cs.find((x) => x.name === container)!;
        await rt.runtime.stopContainer(containerIds[container]!, 0);
        const id = await start(c, attempts[container]!);
        // the status the agent would report: the old instance as lastState
        const now = new Date().toISOString();
        await registry.patch(
          pods,
          "default",
          name,
          "strategic",
          {
            status: {
              containerStatuses: [
                {
                  name: container,
                  restartCount: attempts[container],
                  state: { running: { startedAt: now } },
                  lastState: {
                    terminated: { exitCode: 137, reason: "Error", startedAt: now, finishedAt: now },
                  },
                },
              ],
            },
          },
          { ...opts, subresource: "status" },
        );
        return id;
      },
    };
  }

  return { kite, rt, api, node, dataDir, runPod };
}
