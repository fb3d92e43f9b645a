// The node agent (the kubelet's role), assembled: node registration and lease, an informer on the
// pods bound to this node, the pod workers running syncPod per pod, the PLEG relisting the runtime
// every second, a periodic resync, the prober and the status manager. Pods survive the agent: on
// start it reads the runtime's records, reconciles each pod in the API, and removes what belongs
// to pods the API no longer has.
import { totalmem } from "node:os";
import { join } from "node:path";
import type { PersistentVolume, Pod } from "kubernetes-types/core/v1.js";
import type { StoredObject } from "../api/object.js";
import type { Client } from "../client/client.js";
import { newEventRecorder } from "../client/events.js";
import { startInformer } from "../client/informer.js";
import type { ImageService } from "../image/service.js";
import type { NetworkPlugin } from "../network/plugin.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Logger } from "../util/log.js";
import { cleanupLocalPathVolumes } from "../volume/local-path.js";
import { newVolumeManager } from "../volume/manager.js";
import { podEventRecorder } from "./events.js";
import { newKubelet } from "./kubelet.js";
import { PodUIDLabel } from "./labels.js";
import { type ContainerLogPolicy, startContainerLogManager } from "./logs/container-log-manager.js";
import { machineInfo, nodeAddresses, startNodeStatus } from "./node-status.js";
import { newPLEG } from "./pleg.js";
import { kubeRuntimePodConfig, type PodConfigGenerator } from "./pod-config.js";
import { newPodWorkers } from "./pod-workers.js";
import { newProberManager } from "./prober/manager.js";
import { newStatusManager } from "./status/manager.js";

export interface AgentConfig {
  nodeName: string;
  /** this node's pod CIDR, e.g. 10.42.0.0/24 */
  podCIDR: string;
  /** agent state: per-pod files under `<dataDir>/pods` */
  dataDir: string;
  /** root of pod log directories, the kubelet's /var/log/pods */
  logDir: string;
  /** e.g. "v1.33.0" */
  kubeletVersion: string;
  /** e.g. "runc://1.1.5"; its scheme prefixes container IDs (`runc://<id>`) */
  containerRuntimeVersion: string;
  kubeletPort?: number;
  maxPods?: number;
  nodeLabels?: Record<string, string>;
  /** periodic resync of every pod; default 10 s */
  resyncIntervalMs?: number;
  /** PLEG relist period; default 1 s */
  relistPeriodMs?: number;
  /**
   * Where local-path volumes live on this node (the server's --default-local-storage-path);
   * default `<dataDir>/../storage`, the server's default for its embedded agent.
   */
  localStoragePath?: string;
  /** removal of orphaned pod volumes and of reclaimed local-path directories; default 5 s */
  housekeepingIntervalMs?: number;
  /** rewrite period of configMap, secret, downwardAPI and projected volumes; default 10 s */
  volumeRefreshMs?: number;
  /** container log rotation (--container-log-max-size, --container-log-max-files); default 10Mi and 5 */
  containerLogs?: ContainerLogPolicy;
}

export interface AgentDeps {
  client: Client;
  runtime: Runtime;
  images: ImageService;
  /** for releasing leaked pod IPs at start-up; the runtime itself sets up and tears down pod networks */
  network?: NetworkPlugin;
  log: Logger;
  /** the translation of pods into runtime configs; default kuberuntime's */
  configGen?: PodConfigGenerator;
}

export interface Agent {
  /** resolves once the node is registered and the first list of pods has been reconciled */
  ready: Promise<void>;
  /** Stops the agent; pods keep running. */
  stop(): Promise<void>;
}

export function startAgent(config: AgentConfig, deps: AgentDeps): Agent {
  const { client, runtime, log } = deps;
  const nodeStatus = startNodeStatus(client, log, {
    nodeName: config.nodeName,
    podCIDR: config.podCIDR,
    containerRuntimeVersion: config.containerRuntimeVersion,
    kubeletVersion: config.kubeletVersion,
    dataDir: config.dataDir,
    kubeletPort: config.kubeletPort ?? 10250,
    maxPods: config.maxPods ?? 110,
    labels: config.nodeLabels,
  });
  const recorder = newEventRecorder(client, { component: "kubelet", host: config.nodeName }, (err) =>
    log.debug({ err: String(err) }, "event not written"),
  );
  const podRecorder = podEventRecorder(recorder);
  const statusManager = newStatusManager(client);
  const pods = new Map<string, Pod>();
  let synced = false;

  const workers = newPodWorkers(
    (uid) => {
      const pod = pods.get(uid);
      // Before the first list, a pod missing here may just be unseen yet: never clean up then.
      if (!pod && !synced) return Promise.resolve();
      return kubelet.syncPod(uid, pod);
    },
    (uid, err) => {
      log.warn({ uid, err: String(err) }, "pod sync failed");
      workers.enqueueAt(uid, Date.now() + 1000);
    },
  );
  const minor = /^v?(\d+)\.(\d+)/.exec(config.kubeletVersion);
  const userAgent = `kube-probe/${minor ? `${minor[1]}.${minor[2]}` : config.kubeletVersion}`;
  const prober = newProberManager({
    runtime,
    recorder: podRecorder,
    userAgent,
    onChange: (uid) => workers.enqueue(uid),
  });
  const hostIPs = nodeAddresses(config.nodeName)
    .filter((a) => a.type === "InternalIP")
    .map((a) => a.address);
  const nodeAllocatable = (() => {
    try {
      return machineInfo({
        nodeName: config.nodeName,
        podCIDR: config.podCIDR,
        containerRuntimeVersion: config.containerRuntimeVersion,
        kubeletVersion: config.kubeletVersion,
        dataDir: config.dataDir,
        kubeletPort: config.kubeletPort ?? 10250,
        maxPods: config.maxPods ?? 110,
      }).allocatable;
    } catch {
      return undefined;
    }
  })();
  const volumes = newVolumeManager({
    client,
    podsDir: join(config.dataDir, "pods"),
    nodeName: config.nodeName,
    nodeAllocatable,
    log,
    refreshMs: config.volumeRefreshMs,
  });
  const kubelet = newKubelet({
    nodeName: config.nodeName,
    runtime,
    images: deps.images,
    client,
    recorder: podRecorder,
    statusManager,
    prober,
    configGen: deps.configGen ?? kubeRuntimePodConfig(config.logDir, totalmem()),
    log,
    podsDir: join(config.dataDir, "pods"),
    runtimeName: config.containerRuntimeVersion.split("://")[0] || "runc",
    hostIPs: hostIPs.length ? hostIPs : ["127.0.0.1"],
    nodeAllocatable,
    userAgent,
    resyncAt: (uid, at) => workers.enqueueAt(uid, at),
    volumes,
  });

  const pleg = newPLEG(runtime, config.relistPeriodMs ?? 1000);
  const containerLogs = startContainerLogManager({
    runtime,
    policy: config.containerLogs ?? { maxSize: 10 * 1024 * 1024, maxFiles: 5 },
    log,
  });
  let resolveSynced: () => void = () => {};
  const informerSynced = new Promise<void>((r) => {
    resolveSynced = r;
  });
  const informer = startInformer<StoredObject>(
    client,
    `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${config.nodeName}`)}`,
    {
      onChange(obj, type) {
        const pod = obj as unknown as Pod;
        const uid = pod.metadata?.uid ?? "";
        if (type === "DELETED") pods.delete(uid);
        else pods.set(uid, pod);
        workers.enqueue(uid);
      },
      onSynced() {
        synced = true;
        resolveSynced();
      },
    },
    (err) => log.warn({ err: String(err) }, "pod watch failed"),
  );

  let resyncTimer: NodeJS.Timeout | undefined;
  let housekeepingTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  /**
   * The kubelet's housekeeping for volumes: dirs of pods that neither the API nor the runtime
   * knows any more, and local-path directories whose volumes were reclaimed (the provisioner
   * deletes the PersistentVolume, the node deletes the data).
   */
  async function housekeeping(): Promise<void> {
    const orphans = await volumes.cleanupOrphans(async () => {
      const [sandboxes, containers] = await Promise.all([runtime.listPodSandbox(), runtime.listContainers()]);
      const active = new Set(pods.keys());
      for (const s of sandboxes) active.add(s.labels[PodUIDLabel] ?? s.metadata.uid);
      for (const c of containers) active.add(c.labels[PodUIDLabel] ?? "");
      return active;
    });
    if (orphans.length) log.info({ uids: orphans }, "removed volumes of orphaned pods");
    reclaimLocalPath();
  }

  // Every change of a PersistentVolume is seen (a volume may live only seconds): this node's
  // local-path volumes are recorded, and the directories of those deleted with policy Delete go.
  let pvSynced = false;
  function reclaimLocalPath(): void {
    if (!pvSynced || stopped) return;
    try {
      const removed = cleanupLocalPathVolumes(pvInformer.list() as unknown as PersistentVolume[], {
        nodeName: config.nodeName,
        storagePath: config.localStoragePath ?? join(config.dataDir, "..", "storage"),
        stateFile: join(config.dataDir, "local-path-volumes.json"),
      });
      if (removed.length) log.info({ removed }, "removed directories of deleted local-path volumes");
    } catch (err) {
      log.warn({ err: String(err) }, "removing local-path volume directories failed");
    }
  }
  const pvInformer = startInformer<StoredObject>(
    client,
    "/api/v1/persistentvolumes",
    {
      onChange: () => reclaimLocalPath(),
      onSynced() {
        pvSynced = true;
        reclaimLocalPath();
      },
    },
    (err) => log.warn({ err: String(err) }, "persistent volume watch failed"),
  );
  const ready = (async () => {
    await nodeStatus.ready;
    await informerSynced;
    // Every pod the runtime knows: reconcile, or clean up when the API no longer has it.
    const uids = await pleg.relist();
    for (const uid of uids) workers.enqueue(uid);
    await workers.idle();
    if (deps.network) {
      const live = new Set((await runtime.listPodSandbox()).map((s) => s.id));
      const released = await deps.network.garbageCollect(live).catch(() => []);
      if (released.length) log.info({ released }, "released pod network state of removed sandboxes");
    }
    if (stopped) return;
    pleg.start(
      (changed) => {
        for (const uid of changed) workers.enqueue(uid);
      },
      (err) => log.warn({ err: String(err) }, "PLEG relist failed"),
    );
    const resync = () => {
      for (const uid of pods.keys()) workers.enqueue(uid);
      if (!stopped) resyncTimer = setTimeout(resync, config.resyncIntervalMs ?? 10_000);
    };
    resyncTimer = setTimeout(resync, config.resyncIntervalMs ?? 10_000);
    const housekeep = async () => {
      // Only while the informer is in sync: an unseen pod must not lose its volumes.
      if (synced) await housekeeping().catch((err) => log.warn({ err: String(err) }, "housekeeping failed"));
      if (!stopped) housekeepingTimer = setTimeout(housekeep, config.housekeepingIntervalMs ?? 5_000);
    };
    housekeepingTimer = setTimeout(housekeep, config.housekeepingIntervalMs ?? 5_000);
    log.info({ node: config.nodeName, pods: pods.size }, "agent is ready");
  })();

  return {
    ready,
    async stop() {
      stopped = true;
      if (resyncTimer) clearTimeout(resyncTimer);
      if (housekeepingTimer) clearTimeout(housekeepingTimer);
      informer.stop();
      pvInformer.stop();
      pleg.stop();
      workers.stop();
      prober.stop();
      nodeStatus.stop();
      await containerLogs.stop();
      await workers.idle();
      await recorder.flush().catch(() => {});
    },
  };
}
