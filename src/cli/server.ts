// `kite server`: the whole single-node control plane in one process — store, API server,
// controllers (and, in a later slice, the node agent). Flags are named as k3s names them.
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import { isStatusError } from "../api/errors.js";
import { findResource } from "../api/registry.js";
import { defaultAdmission } from "../apiserver/admission.js";
import { newAuthenticator } from "../apiserver/authn.js";
import { newMachinery } from "../apiserver/machinery-impl.js";
import { openapiProvider } from "../apiserver/openapi.js";
import { ensurePki } from "../apiserver/pki.js";
import { printTable } from "../apiserver/printers/index.js";
import { acceptUpgrades, newNodeProxy } from "../apiserver/proxy/node-proxy.js";
import { newGenericRegistry } from "../apiserver/registry/generic.js";
import { startApiServer } from "../apiserver/server.js";
import { newClient } from "../client/client.js";
import { newEventRecorder } from "../client/events.js";
import { startGarbageCollector } from "../controllers/garbage-collector.js";
import { localPathStorageClass, startLocalPathProvisioner } from "../controllers/local-path-provisioner.js";
import { startNamespaceController } from "../controllers/namespace.js";
import { startNodeLifecycleController } from "../controllers/node-lifecycle.js";
import { startPersistentVolumeController } from "../controllers/persistent-volume.js";
import { startScheduler } from "../controllers/scheduler.js";
import { startStorageProtection } from "../controllers/storage-protection.js";
import { openSqliteStore } from "../store/sqlite/store.js";
import { newLogger } from "../util/log.js";
import { writeKubeconfig } from "./kubeconfig.js";
import { lockDataDir } from "./lock.js";
import { type NodeConfig, nodeConfigFrom, nodeFlags, type RunningNode, startNode } from "./node.js";
import { PreflightError, portInUseMessage, requirePrograms, requireWritableDir } from "./preflight.js";

/** The Kubernetes API version kite implements (what /version reports). */
export const kubernetesVersion = { major: "1", minor: "33", gitVersion: "v1.33.0+kite" };

export interface ServerConfig {
  dataDir: string;
  bindAddress: string;
  httpsListenPort: number;
  writeKubeconfig: string;
  writeKubeconfigMode: number;
  disableAgent: boolean;
  privateRegistry: string;
  logLevel: string;
  compactionIntervalMs: number;
  retainRevisions: number;
  nodeMonitorGracePeriodMs: number;
  nodeMonitorPeriodMs: number;
  /** k3s --default-local-storage-path: where local-path volumes live on nodes */
  defaultLocalStoragePath: string;
  /** the embedded agent's node settings (unused with --disable-agent) */
  node: NodeConfig;
}

const systemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];
// Events of an external provisioner name it, as k3s's shows "rancher.io/local-path_<pod>".
const localPathRecorderName = "kite.io/local-path";

export async function runServer(cfg: ServerConfig): Promise<{ stop(): Promise<void>; port: number }> {
  const started = performance.now();
  const log = newLogger(cfg.logLevel);
  requirePrograms([{ file: "openssl", pkg: "openssl" }]);
  requireWritableDir(join(cfg.dataDir, "server"), "--data-dir");
  requireWritableDir(dirname(cfg.writeKubeconfig), "--write-kubeconfig");
  await mkdir(join(cfg.dataDir, "server"), { recursive: true, mode: 0o700 });
  const unlock = lockDataDir(join(cfg.dataDir, "server", "kite.pid"), cfg.dataDir);
  try {
    const extraIps = cfg.bindAddress !== "0.0.0.0" && cfg.bindAddress !== "::" ? [cfg.bindAddress] : [];
    const pki = await ensurePki(cfg.dataDir, { dns: [], ips: extraIps });
    const store = openSqliteStore({
      file: join(cfg.dataDir, "server", "db", "state.db"),
      compactIntervalMs: cfg.compactionIntervalMs,
      retainRevisions: cfg.retainRevisions,
      log: (msg, fields) => log.info(fields ?? {}, msg),
    });
    const registry = newGenericRegistry(store, newMachinery(), defaultAdmission);
    // The namespaces every cluster starts with.
    const namespaces = findResource("", "v1", "namespaces")!;
    for (const name of systemNamespaces) {
      try {
        await registry.create(
          namespaces,
          undefined,
          { metadata: { name } },
          {
            dryRun: false,
            fieldManager: "kite",
            fieldValidation: "Strict",
          },
        );
      } catch (err) {
        if (!isStatusError(err, "AlreadyExists")) throw err;
      }
    }
    // The default StorageClass every kite starts with (k3s ships local-path the same way).
    try {
      await registry.create(
        findResource("storage.k8s.io", "v1", "storageclasses")!,
        undefined,
        localPathStorageClass(),
        {
          dryRun: false,
          fieldManager: "kite",
          fieldValidation: "Strict",
        },
      );
    } catch (err) {
      if (!isStatusError(err, "AlreadyExists")) throw err;
    }
    const authenticator = newAuthenticator([
      {
        token: pki.adminToken,
        user: { name: "system:admin", groups: ["system:masters", "system:authenticated"] },
      },
      {
        token: pki.nodeToken,
        user: { name: "system:node", groups: ["system:nodes", "system:authenticated"] },
      },
    ]);
    const api = await startApiServer({
      bindAddress: cfg.bindAddress,
      port: cfg.httpsListenPort,
      tls: { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert },
      authenticator,
      store,
      registry,
      printTable,
      openapi: openapiProvider(),
      log,
      version: kubernetesVersion,
      connect: newNodeProxy({
        get: (r, ns, name) => registry.get(r, ns, name),
        clientCert: pki.kubeletClientCert,
        clientKey: pki.kubeletClientKey,
      }),
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE")
        throw new PreflightError(portInUseMessage(cfg.bindAddress, cfg.httpsListenPort));
      if (err.code === "EADDRNOTAVAIL")
        throw new PreflightError(
          `${cfg.bindAddress} is not an address of this machine: check --bind-address`,
        );
      throw err;
    });
    // exec, attach and port-forward arrive as WebSocket or SPDY upgrades.
    acceptUpgrades(api.server);
    const host = cfg.bindAddress === "0.0.0.0" || cfg.bindAddress === "::" ? "127.0.0.1" : cfg.bindAddress;
    const server = `https://${host.includes(":") ? `[${host}]` : host}:${api.port}`;
    await writeKubeconfig(
      cfg.writeKubeconfig,
      { server, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey },
      cfg.writeKubeconfigMode,
    );
    const client = newClient({
      server,
      ca: pki.caCert,
      cert: pki.adminCert,
      key: pki.adminKey,
      userAgent: "kite-controller-manager",
    });
    const schedulerEvents = newEventRecorder(client, { component: "default-scheduler" }, (err) =>
      log.warn({ err: String(err) }, "recording an event failed"),
    );
    const controllers = [
      startNamespaceController(client, log),
      startGarbageCollector(client, log),
      startScheduler(client, schedulerEvents, log),
      startPersistentVolumeController(
        client,
        newEventRecorder(client, { component: "persistentvolume-controller" }),
        log,
      ),
      startLocalPathProvisioner(client, newEventRecorder(client, { component: localPathRecorderName }), log, {
        storagePath: cfg.defaultLocalStoragePath || join(cfg.dataDir, "storage"),
      }),
      startStorageProtection(client, log),
      startNodeLifecycleController(
        client,
        newEventRecorder(client, { component: "node-controller" }, (err) =>
          log.warn({ err: String(err) }, "event"),
        ),
        log,
        { gracePeriodMs: cfg.nodeMonitorGracePeriodMs, monitorPeriodMs: cfg.nodeMonitorPeriodMs },
      ),
    ];
    const node: RunningNode | undefined = cfg.disableAgent
      ? undefined
      : await startNode(cfg.node, client, pki.caCert, log);
    log.info(
      {
        server,
        kubeconfig: cfg.writeKubeconfig,
        dataDir: cfg.dataDir,
        readyMs: Math.round(performance.now() - started),
      },
      "kite is ready",
    );
    let stopping: Promise<void> | undefined;
    return {
      port: api.port,
      stop() {
        stopping ??= (async () => {
          // Pods keep running: the agent only lets go of them.
          await node?.stop();
          for (const c of controllers) c.stop();
          client.close();
          await api.close();
          await store.close();
          unlock();
          log.info({}, "kite stopped");
          log.flush();
        })();
        return stopping;
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

export function registerServerCommand(program: Command): void {
  const cmd = program
    .command("server")
    .description("Run the control plane (API server, store, controllers) and this node's agent")
    .option("--data-dir <dir>", "folder to hold state", "/var/lib/kite")
    .option("--bind-address <ip>", "address the API server listens on", "127.0.0.1")
    .option("--https-listen-port <port>", "HTTPS port of the API server (0 picks a free one)", "6443")
    .option("--write-kubeconfig <file>", "write the admin kubeconfig here", "/etc/kite/kubeconfig.yaml")
    .option("--write-kubeconfig-mode <mode>", "file mode of the kubeconfig (octal)", "600")
    .option("--disable-agent", "do not run the node agent in this process", false)
    .option(
      "--private-registry <file>",
      "registries.yaml with mirrors and credentials",
      "/etc/kite/registries.yaml",
    )
    .option("--log-level <level>", "debug, info, warn or error", "info")
    .option("--datastore-compaction-interval <seconds>", "how often the store compacts its history", "300")
    .option("--datastore-retain-revisions <n>", "revisions of history kept by compaction", "10000")
    .option(
      "--node-monitor-grace-period <seconds>",
      "how long a node may go without a heartbeat before it is NotReady",
      "40",
    )
    .option("--node-monitor-period <seconds>", "how often node heartbeats are checked", "5");
  for (const [flag, help, def] of nodeFlags) cmd.option(flag, help, def);
  cmd.action(async (o: Record<string, string | boolean>) => {
    let node: NodeConfig;
    try {
      node = nodeConfigFrom(o, String(o.dataDir), String(o.privateRegistry), kubernetesVersion.gitVersion);
    } catch (err) {
      process.stderr.write(`kite server: ${(err as Error).message}\n`);
      process.exit(1);
    }
    const cfg: ServerConfig = {
      dataDir: String(o.dataDir),
      bindAddress: String(o.bindAddress),
      httpsListenPort: Number(o.httpsListenPort),
      writeKubeconfig: String(o.writeKubeconfig),
      writeKubeconfigMode: Number.parseInt(String(o.writeKubeconfigMode), 8),
      disableAgent: Boolean(o.disableAgent),
      privateRegistry: String(o.privateRegistry),
      logLevel: String(o.logLevel),
      compactionIntervalMs: Number(o.datastoreCompactionInterval) * 1000,
      retainRevisions: Number(o.datastoreRetainRevisions),
      nodeMonitorGracePeriodMs: Number(o.nodeMonitorGracePeriod) * 1000,
      nodeMonitorPeriodMs: Number(o.nodeMonitorPeriod) * 1000,
      defaultLocalStoragePath: String(o.defaultLocalStoragePath ?? ""),
      node,
    };
    let running: Awaited<ReturnType<typeof runServer>>;
    try {
      running = await runServer(cfg);
    } catch (err) {
      process.stderr.write(`kite server: ${(err as Error).message}\n`);
      process.exit(1);
    }
    const shutdown = () => {
      void running.stop().then(() => process.exit(0));
    };
    process.once("SIGTERM", shutdown);
    process.once("SIGINT", shutdown);
  });
}
