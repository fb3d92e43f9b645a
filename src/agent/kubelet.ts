// syncPod and its halves (kubelet.go SyncPod/SyncTerminatingPod, kuberuntime_manager.go SyncPod,
// kuberuntime_container.go startContainer/killContainer): read the pod's actual state from the
// runtime, compute the actions against the spec, carry them out, and report the status. Called
// by the pod workers, one pod at a time per UID; every call starts from the runtime's records,
// so an agent restart or a repeated call does nothing twice.
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ConfigMap, Container, Pod, PodStatus, Secret } from "kubernetes-types/core/v1.js";
import { isStatusError } from "../api/errors.js";
import type { Client } from "../client/client.js";
import type { ImageService } from "../image/service.js";
import type { ContainerStatus, Mount, PodSandboxConfig, Runtime } from "../runtime/runtime.js";
import type { Logger } from "../util/log.js";
import { type VolumeManager, VolumeMountError } from "../volume/manager.js";
import { newBackoff } from "./backoff.js";
import { EnvError, makeEnvironmentVariables } from "./env.js";
import * as ev from "./events.js";
import { type ImageManager, newImageManager } from "./images.js";
import {
  ContainerHashAnnotation,
  ContainerNameLabel,
  ContainerRestartCountAnnotation,
  ContainerTypeLabel,
  hashContainer,
  PodNameLabel,
  PodNamespaceLabel,
  PodTerminationGracePeriodAnnotation,
  PodUIDLabel,
  TerminationMessagePathAnnotation,
  TerminationMessagePolicyAnnotation,
} from "./labels.js";
import { runHook } from "./lifecycle.js";
import { computePodActions } from "./pod-actions.js";
import type { PodConfigGenerator } from "./pod-config.js";
import type { ProberManager } from "./prober/manager.js";
import {
  type ContainerType,
  containerName,
  containersNamed,
  containerType,
  groupByPod,
  latestContainer,
  type RuntimePod,
  readySandbox,
  restartCountOf,
} from "./runtime-pod.js";
import { generateAPIPodStatus, reasonKey, type WaitingReason } from "./status/generate.js";
import type { StatusManager } from "./status/manager.js";
import { terminationMessage } from "./termination.js";

export interface KubeletDeps {
  nodeName: string;
  runtime: Runtime;
  images: ImageService;
  client: Client;
  recorder: ev.PodEventRecorder;
  statusManager: StatusManager;
  prober: ProberManager;
  configGen: PodConfigGenerator;
  log: Logger;
  /** `<dataDir>/pods`: per-pod files (termination message files) */
  podsDir: string;
  runtimeName: string;
  hostIPs: string[];
  nodeAllocatable?: Record<string, string>;
  userAgent: string;
  /** ask the pod worker to sync this pod again at `at` (ms) */
  resyncAt(uid: string, at: number): void;
  /** sets up pod volumes and container mounts; without it a pod with volumes cannot start */
  volumes?: VolumeManager;
}

export interface Kubelet {
  /** Reconciles one pod; `pod` undefined means it is gone from the API. */
  syncPod(uid: string, pod: Pod | undefined): Promise<void>;
  /** Forgets in-memory state of a pod that has been cleaned up. */
  forget(uid: string): void;
}

const minimumGracePeriodSeconds = 2;
const podPath = (pod: Pod) =>
  `/api/v1/namespaces/${encodeURIComponent(pod.metadata?.namespace ?? "default")}/pods/${encodeURIComponent(pod.metadata?.name ?? "")}`;

/** getStableKey: the crash-loop back-off key of a container. */
const stableKey = (pod: Pod, c: Container) =>
  `${pod.metadata?.name}_${pod.metadata?.namespace}_${pod.metadata?.uid}_${c.name}_${hashContainer(c)}`;

export function newKubelet(d: KubeletDeps): Kubelet {
  const crashBackoff = newBackoff(10_000, 300_000);
  const images: ImageManager = newImageManager(d.images, d.recorder);
  const reasons = new Map<string, Map<string, WaitingReason>>();
  const messages = new Map<string, string>();
  const imageIDs = new Map<string, string>();

  const reasonsOf = (uid: string) => {
    let r = reasons.get(uid);
    if (!r) reasons.set(uid, (r = new Map()));
    return r;
  };

  async function runtimePod(uid: string): Promise<RuntimePod> {
    const sel = { labelSelector: { [PodUIDLabel]: uid } };
    const [sandboxes, containers] = await Promise.all([
      d.runtime.listPodSandbox(sel),
      d.runtime.listContainers(sel),
    ]);
    return groupByPod(sandboxes, containers).get(uid) ?? { uid, sandboxes: [], containers: [] };
  }

  const specOf = (pod: Pod, name: string, type: ContainerType) =>
    (type === "init" ? pod.spec?.initContainers : pod.spec?.containers)?.find((c) => c.name === name);

  const termFile = (uid: string, type: ContainerType, name: string, restartCount: number) =>
    join(d.podsDir, uid, "containers", `${type}-${name}`, `${restartCount}`);

  const graceOf = (pod: Pod) => pod.spec?.terminationGracePeriodSeconds ?? 30;

  async function imageIDOf(c: ContainerStatus): Promise<string> {
    const cached = imageIDs.get(c.imageRef);
    if (cached) return cached;
    const img = await d.images.inspect(c.imageRef).catch(() => undefined);
    const id = img?.repoDigests[0] ?? c.imageRef;
    imageIDs.set(c.imageRef, id);
    return id;
  }

  /** Reads termination messages of exited containers once (they do not change after exit). */
  async function collectMessages(pod: Pod, rp: RuntimePod): Promise<void> {
    for (const c of rp.containers) {
      if (c.state !== "CONTAINER_EXITED" || messages.has(c.id)) continue;
      const spec = specOf(pod, containerName(c), containerType(c));
      const path = termFile(rp.uid, containerType(c), containerName(c), restartCountOf(c));
      messages.set(
        c.id,
        await terminationMessage(path, spec?.terminationMessagePolicy, c.exitCode ?? 0, c.logPath),
      );
    }
  }

  async function podStatus(pod: Pod, rp: RuntimePod, podIsTerminal: boolean): Promise<PodStatus> {
    await collectMessages(pod, rp);
    const ids = new Map<string, string>();
    for (const c of rp.containers) ids.set(c.id, await imageIDOf(c));
    return generateAPIPodStatus({
      pod,
      rp,
      reasons: reasonsOf(rp.uid),
      readiness: (id) => d.prober.readiness(id),
      started: (id) => d.prober.started(id),
      terminationMessage: (id) => messages.get(id) || undefined,
      imageID: (c) => ids.get(c.id) ?? c.imageRef,
      runtimeName: d.runtimeName,
      hostIPs: d.hostIPs,
      podIsTerminal,
      now: new Date(),
    });
  }

  async function killContainer(
    pod: Pod,
    c: ContainerStatus,
    gracePeriod: number,
    message?: string,
  ): Promise<void> {
    const name = containerName(c);
    const spec = specOf(pod, name, containerType(c));
    d.recorder.event(pod, "Normal", ev.KillingContainer, message ?? ev.messages.killing(name));
    let grace = gracePeriod;
    const preStop = spec?.lifecycle?.preStop;
    if (preStop && c.state === "CONTAINER_RUNNING") {
      const start = Date.now();
      const podIP = readySandbox(await runtimePod(pod.metadata?.uid ?? ""))?.network?.ip ?? "";
      const err = await runHook(
        { runtime: d.runtime, containerId: c.id, container: spec, podIP, userAgent: d.userAgent },
        preStop,
        grace,
      );
      if (err) d.recorder.event(pod, "Warning", ev.FailedPreStopHook, `PreStopHook failed: ${err}`);
      grace = Math.max(minimumGracePeriodSeconds, grace - Math.floor((Date.now() - start) / 1000));
    }
    await d.runtime.stopContainer(c.id, grace);
  }

  /** killPodWithSyncResult: every running container (with its grace), then the sandboxes. */
  async function killPod(pod: Pod, rp: RuntimePod, gracePeriod: number): Promise<void> {
    await Promise.all(
      rp.containers
        .filter((c) => c.state === "CONTAINER_RUNNING" || c.state === "CONTAINER_CREATED")
        .map((c) =>
          killContainer(pod, c, gracePeriod).catch((err) =>
            d.log.warn({ pod: pod.metadata?.name, err: String(err) }, "killing container failed"),
          ),
        ),
    );
    for (const s of rp.sandboxes) if (s.state === "SANDBOX_READY") await d.runtime.stopPodSandbox(s.id);
  }

  async function removeAll(rp: RuntimePod): Promise<void> {
    for (const s of rp.sandboxes) await d.runtime.removePodSandbox(s.id);
    for (const c of rp.containers) await d.runtime.removeContainer(c.id).catch(() => {});
    // Volumes first: nothing may still be mounted below the pod's dir when it is removed.
    await d.volumes?.tearDownPod(rp.uid);
    await rm(join(d.podsDir, rp.uid), { recursive: true, force: true });
  }

  function fail(
    pod: Pod,
    type: ContainerType,
    name: string,
    reason: string,
    message: string,
    retryInMs?: number,
  ) {
    reasonsOf(pod.metadata?.uid ?? "").set(reasonKey(type, name), { reason, message });
    if (retryInMs !== undefined) d.resyncAt(pod.metadata?.uid ?? "", Date.now() + retryInMs);
  }

  const envSources = {
    configMap: (ns: string, name: string) =>
      d.client
        .request<ConfigMap>(
          "GET",
          `/api/v1/namespaces/${encodeURIComponent(ns)}/configmaps/${encodeURIComponent(name)}`,
        )
        .catch((err) => (isStatusError(err, "NotFound") ? undefined : Promise.reject(err))),
    secret: (ns: string, name: string) =>
      d.client
        .request<Secret>(
          "GET",
          `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets/${encodeURIComponent(name)}`,
        )
        .catch((err) => (isStatusError(err, "NotFound") ? undefined : Promise.reject(err))),
  };

  /** kuberuntime's startContainer, with doBackOff in front: pull, create, start, postStart. */
  async function startContainer(
    pod: Pod,
    c: Container,
    type: ContainerType,
    rp: RuntimePod,
    sandboxId: string,
    sandboxConfig: PodSandboxConfig,
    podIP: string,
  ): Promise<boolean> {
    const uid = pod.metadata?.uid ?? "";
    const key = reasonKey(type, c.name);
    const latest = latestContainer(rp, c.name, type);
    let restartCount = 0;
    if (latest?.state === "CONTAINER_EXITED" || latest?.state === "CONTAINER_UNKNOWN") {
      const bkey = stableKey(pod, c);
      const finishedAt = latest.finishedAt ? Date.parse(latest.finishedAt) : Date.now();
      if (crashBackoff.isInBackOffSince(bkey, finishedAt)) {
        const message = ev.messages.crashLoopBackOff(crashBackoff.get(bkey), c.name, pod);
        d.recorder.event(pod, "Warning", ev.BackOffStartContainer, ev.messages.backOffRestart(c.name, pod));
        fail(pod, type, c.name, "CrashLoopBackOff", message);
        d.resyncAt(uid, crashBackoff.expiresAt(bkey, finishedAt) + 10);
        return false;
      }
      crashBackoff.next(bkey, finishedAt);
      restartCount = restartCountOf(latest) + 1;
    } else if (latest?.state === "CONTAINER_CREATED") {
      // Created but never started (the agent stopped in between): replace it, same attempt.
      restartCount = restartCountOf(latest);
      await d.runtime.removeContainer(latest.id).catch(() => {});
    }

    const img = await images.ensureImageExists(pod, c);
    if (!img.ok) {
      d.recorder.event(pod, "Warning", ev.FailedToStartContainer, ev.messages.error(img.reason));
      fail(
        pod,
        type,
        c.name,
        img.reason,
        img.message,
        img.retryAt ? Math.max(0, img.retryAt - Date.now()) + 10 : 5000,
      );
      return false;
    }

    let env: Awaited<ReturnType<typeof makeEnvironmentVariables>>;
    try {
      env = await makeEnvironmentVariables(
        c,
        {
          pod,
          podIP,
          podIPs: podIP ? [podIP] : [],
          hostIP: d.hostIPs[0],
          hostIPs: d.hostIPs,
          nodeAllocatable: d.nodeAllocatable,
        },
        envSources,
      );
    } catch (err) {
      const message = (err as Error).message;
      d.recorder.event(pod, "Warning", ev.FailedToCreateContainer, ev.messages.error(message));
      fail(pod, type, c.name, "CreateContainerConfigError", message, err instanceof EnvError ? 5000 : 2000);
      return false;
    }

    let mounts: Mount[] = [];
    try {
      if (d.volumes) mounts = await d.volumes.containerMounts(pod, c, env);
      else if (c.volumeMounts?.length) throw new Error("this node has no volume manager to mount volumes");
    } catch (err) {
      const message = (err as Error).message;
      d.recorder.event(pod, "Warning", ev.FailedToCreateContainer, ev.messages.error(message));
      fail(pod, type, c.name, "CreateContainerConfigError", message, 5000);
      return false;
    }

    const termPath = termFile(uid, type, c.name, restartCount);
    let id: string;
    try {
      await mkdir(join(termPath, ".."), { recursive: true });
      await writeFile(termPath, "");
      await chmod(termPath, 0o666);
      const cfg = await d.configGen.containerConfig({
        pod,
        container: c,
        type,
        restartCount,
        image: img.image,
        env,
        sandboxConfig,
        terminationMessageHostPath: termPath,
        mounts,
      });
      cfg.metadata = { name: c.name, attempt: restartCount };
      cfg.labels = {
        ...cfg.labels,
        [PodNameLabel]: pod.metadata?.name ?? "",
        [PodNamespaceLabel]: pod.metadata?.namespace ?? "",
        [PodUIDLabel]: uid,
        [ContainerNameLabel]: c.name,
        [ContainerTypeLabel]: type,
      };
      cfg.annotations = {
        ...cfg.annotations,
        [ContainerHashAnnotation]: hashContainer(c),
        [ContainerRestartCountAnnotation]: String(restartCount),
        [TerminationMessagePathAnnotation]: c.terminationMessagePath ?? "/dev/termination-log",
        [TerminationMessagePolicyAnnotation]: c.terminationMessagePolicy ?? "File",
        [PodTerminationGracePeriodAnnotation]: String(graceOf(pod)),
      };
      id = await d.runtime.createContainer(sandboxId, cfg);
    } catch (err) {
      const message = (err as Error).message;
      d.recorder.event(pod, "Warning", ev.FailedToCreateContainer, ev.messages.error(message));
      fail(pod, type, c.name, "CreateContainerError", message, 5000);
      return false;
    }
    d.recorder.event(pod, "Normal", ev.CreatedContainer, ev.messages.created(c.name));
    // Keep one dead container per container for lastState (the kubelet's GC default).
    for (const old of containersNamed(rp, c.name, type).slice(1)) {
      if (old.state === "CONTAINER_EXITED") await d.runtime.removeContainer(old.id).catch(() => {});
    }
    try {
      await d.runtime.startContainer(id);
    } catch (err) {
      const message = (err as Error).message;
      d.recorder.event(pod, "Warning", ev.FailedToStartContainer, ev.messages.error(message));
      fail(pod, type, c.name, "RunContainerError", message, 1000);
      return false;
    }
    d.recorder.event(pod, "Normal", ev.StartedContainer, ev.messages.started(c.name));
    reasonsOf(uid).delete(key);

    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      const err = await runHook(
        { runtime: d.runtime, containerId: id, container: c, podIP, userAgent: d.userAgent },
        postStart,
        graceOf(pod),
      );
      if (err) {
        d.recorder.event(pod, "Warning", ev.FailedPostStartHook, `PostStartHook failed: ${err}`);
        const status = await d.runtime.containerStatus(id);
        await killContainer(pod, status, graceOf(pod), `FailedPostStartHook`);
        fail(pod, type, c.name, "PostStartHookError", err);
        return false;
      }
    }
    return true;
  }

  async function writeStatus(
    pod: Pod,
    rp: RuntimePod,
    podIsTerminal: boolean,
    patch?: Partial<PodStatus>,
  ): Promise<PodStatus> {
    const status = { ...(await podStatus(pod, rp, podIsTerminal)), ...patch };
    await d.statusManager.setPodStatus(pod, status);
    return status;
  }

  /** SyncTerminatingPod + SyncTerminatedPod + the status manager's final delete. */
  async function terminate(pod: Pod, rp: RuntimePod): Promise<void> {
    const uid = pod.metadata?.uid ?? "";
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? graceOf(pod);
    d.prober.removePod(uid);
    await killPod(pod, rp, grace);
    const after = await runtimePod(uid);
    await writeStatus(pod, after, true);
    await removeAll(after);
    try {
      await d.client.request("DELETE", podPath(pod), {
        apiVersion: "v1",
        kind: "DeleteOptions",
        gracePeriodSeconds: 0,
        preconditions: { uid },
      });
    } catch (err) {
      if (!isStatusError(err, "NotFound") && !isStatusError(err, "Conflict")) throw err;
    }
    forget(uid);
  }

  function forget(uid: string) {
    reasons.delete(uid);
    d.statusManager.forget(uid);
    d.prober.removePod(uid);
  }

  async function syncPod(uid: string, pod: Pod | undefined): Promise<void> {
    const rp = await runtimePod(uid);
    if (!pod) {
      // Gone from the API (deleted while the agent was down, or force-deleted): clean up.
      if (rp.sandboxes.length || rp.containers.length) {
        d.log.info({ uid }, "removing pod that no longer exists in the API");
        await killPod(
          {
            metadata: {
              uid,
              name: rp.sandboxes[0]?.metadata.name,
              namespace: rp.sandboxes[0]?.metadata.namespace,
            },
          },
          rp,
          0,
        ).catch(() => {});
        await removeAll(await runtimePod(uid));
      }
      forget(uid);
      return;
    }
    if (pod.metadata?.deletionTimestamp) return terminate(pod, rp);

    const current = d.statusManager.currentStatus(pod) ?? pod.status;
    const known: Pod = { ...pod, status: current };
    if (current?.phase === "Succeeded" || current?.phase === "Failed") {
      // Terminal: nothing restarts; make sure nothing runs.
      d.prober.removePod(uid);
      if (
        rp.containers.some((c) => c.state === "CONTAINER_RUNNING") ||
        rp.sandboxes.some((s) => s.state === "SANDBOX_READY")
      ) {
        await killPod(known, rp, graceOf(pod));
      }
      await tearDownTerminatedVolumes(uid);
      return;
    }

    const ads = pod.spec?.activeDeadlineSeconds;
    if (ads !== undefined && current?.startTime) {
      const deadline = Date.parse(current.startTime) + ads * 1000;
      if (Date.now() >= deadline) {
        const message = ev.messages.deadlineExceeded();
        d.recorder.event(pod, "Normal", ev.DeadlineExceeded, message);
        d.prober.removePod(uid);
        await killPod(known, rp, graceOf(pod));
        await writeStatus(known, await runtimePod(uid), true, {
          phase: "Failed",
          reason: "DeadlineExceeded",
          message,
        });
        return;
      }
      d.resyncAt(uid, deadline);
    }

    // WaitForAttachAndMount: every volume set up before the pod's containers are created.
    if (pod.spec?.volumes?.length) {
      let failures: { message: string }[] = [];
      try {
        if (d.volumes) await d.volumes.mountPod(pod);
        else failures = [{ message: "Unable to attach or mount volumes: this node has no volume manager" }];
      } catch (err) {
        failures = err instanceof VolumeMountError ? err.failures : [{ message: String(err) }];
      }
      for (const f of failures) d.recorder.event(pod, "Warning", ev.FailedMount, f.message);
      if (failures.length && !d.volumes?.volumesReady(pod)) {
        await writeStatus(known, rp, false);
        d.resyncAt(uid, Date.now() + 2000);
        return;
      }
    }

    const actions = computePodActions(known, rp, d.prober);
    if (actions.killPod) {
      if (actions.createSandbox && rp.sandboxes.length) {
        d.recorder.event(pod, "Normal", ev.SandboxChanged, ev.messages.sandboxChanged());
      }
      await killPod(known, rp, graceOf(pod));
    } else {
      for (const [id, k] of actions.containersToKill) {
        const c = rp.containers.find((x) => x.id === id);
        if (c) await killContainer(known, c, graceOf(pod), k.message);
      }
    }

    let sandboxId = actions.sandboxId;
    const sandboxConfig = d.configGen.sandboxConfig(pod, actions.attempt);
    sandboxConfig.labels = {
      ...sandboxConfig.labels,
      [PodNameLabel]: pod.metadata?.name ?? "",
      [PodNamespaceLabel]: pod.metadata?.namespace ?? "",
      [PodUIDLabel]: uid,
    };
    if (actions.createSandbox) {
      // The kubelet reports a pod it has taken on before the slow parts (sandbox, image pulls):
      // `get pods` says ContainerCreating (PodInitializing with init containers), not Pending.
      // Written alongside the sandbox's creation; the status manager keeps writes in order.
      writeStatus(known, rp, false).catch((err: unknown) =>
        d.log.warn({ pod: pod.metadata?.name, err: String(err) }, "writing the pod's first status"),
      );
      try {
        for (const s of rp.sandboxes) await d.runtime.removePodSandbox(s.id);
        sandboxId = await d.runtime.runPodSandbox(sandboxConfig);
      } catch (err) {
        const message = `Failed to create pod sandbox: ${(err as Error).message}`;
        d.recorder.event(pod, "Warning", ev.FailedCreatePodSandBox, message);
        d.resyncAt(uid, Date.now() + 2000);
        await writeStatus(known, await runtimePod(uid), false);
        return;
      }
    }

    let now = actions.createSandbox || actions.containersToKill.size > 0 ? await runtimePod(uid) : rp;
    const podIP = readySandbox(now)?.network?.ip ?? "";
    if (sandboxId && (!actions.killPod || actions.createSandbox)) {
      if (actions.nextInitContainer) {
        await startContainer(known, actions.nextInitContainer, "init", now, sandboxId, sandboxConfig, podIP);
      } else {
        // Containers start one after another, in spec order, as the kubelet does.
        for (const i of actions.containersToStart) {
          const c = pod.spec?.containers[i];
          if (c) await startContainer(known, c, "app", now, sandboxId, sandboxConfig, podIP);
        }
      }
    }

    now = await runtimePod(uid);
    const running = now.containers
      .filter((c) => c.state === "CONTAINER_RUNNING" && containerType(c) === "app")
      .map((c) => ({
        container: specOf(pod, containerName(c), "app") as Container,
        id: c.id,
        startedAt: Date.parse(c.startedAt ?? c.createdAt),
      }))
      .filter((r) => r.container);
    d.prober.update(pod, running, readySandbox(now)?.network?.ip ?? "");
    const status = await writeStatus(known, now, false);
    if (status.phase === "Succeeded" || status.phase === "Failed") {
      // The pod is done: stop whatever is left (the sandbox), as the kubelet kills terminal pods.
      d.prober.removePod(uid);
      const left = await runtimePod(uid);
      if (left.sandboxes.some((s) => s.state === "SANDBOX_READY")) await killPod(known, left, graceOf(pod));
      await tearDownTerminatedVolumes(uid);
    }
  }

  /**
   * A terminated pod's volumes are unmounted and its emptyDirs removed while the pod object stays
   * (the kubelet's SyncTerminatedPod, without --keep-terminated-pod-volumes); its logs stay too.
   */
  async function tearDownTerminatedVolumes(uid: string): Promise<void> {
    if (!d.volumes) return;
    await d.volumes.tearDownPod(uid).catch((err: unknown) => {
      d.log.warn({ uid, err: String(err) }, "tearing down a terminated pod's volumes");
      d.resyncAt(uid, Date.now() + 5000);
    });
  }

  return { syncPod, forget };
}
