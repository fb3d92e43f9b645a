// The kubelet's volume manager, level-triggered: the desired state of the world is the pod's
// spec.volumes, the actual state is what has been set up (kept in memory and recognised again on
// disk and in the mount table after an agent restart, so nothing is done twice). The pod's sync
// calls mountPod before creating the sandbox's containers (WaitForAttachAndMount), then
// containerMounts per container (makeMounts: mountPath, readOnly, subPath, subPathExpr,
// propagation), and tearDownPod when the pod is finished and removed.
import {
  closeSync,
  fstatSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type {
  ConfigMap,
  Container,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  Secret,
} from "kubernetes-types/core/v1.js";
import { expandVars } from "../agent/env.js";
import { isStatusError } from "../api/errors.js";
import type { Client } from "../client/client.js";
import type { Mount } from "../runtime/runtime.js";
import type { Logger } from "../util/log.js";
import { bindMountFd, mountOf, mountsUnder, unmountAll } from "./mount-utils.js";
import {
  builtinPlugins,
  type MountedVolume,
  type VolumeHost,
  VolumeSetUpError,
  volumeType,
} from "./plugins.js";
import { openBeneath, resolveSubPath, SubPathError, validateSubPath } from "./subpath.js";

export interface VolumeManagerOptions {
  client: Client;
  /** `<agent dataDir>/pods` */
  podsDir: string;
  nodeName: string;
  nodeAllocatable?: Record<string, string>;
  log: Logger;
  /** how often API-data volumes (configMap, secret, downwardAPI, projected) are rewritten; default 10 s */
  refreshMs?: number;
}

/** One FailedMount event, as the kubelet records it. */
export interface MountFailure {
  volume: string;
  message: string;
}

/** mountPod's failure: the pod cannot start; each failure is a FailedMount event. */
export class VolumeMountError extends Error {
  constructor(readonly failures: MountFailure[]) {
    super(failures.map((f) => f.message).join("; "));
    this.name = "VolumeMountError";
  }
}

/** makeMounts' failure: the container waits in CreateContainerConfigError with this message. */
export class ContainerMountError extends Error {
  readonly reason = "CreateContainerConfigError";
  override name = "ContainerMountError";
}

export interface VolumeManager {
  /** Sets up every volume of the pod (idempotent; API-data volumes refreshed); throws VolumeMountError. */
  mountPod(pod: Pod): Promise<void>;
  /** Whether every volume of the pod is set up (a container may start). */
  volumesReady(pod: Pod): boolean;
  /** The runtime mounts for one container; throws ContainerMountError. */
  containerMounts(pod: Pod, container: Container, env: { name: string; value: string }[]): Promise<Mount[]>;
  /** Unmounts and removes the pod's volume dirs; throws (and removes nothing) if a mount will not go. */
  tearDownPod(uid: string): Promise<void>;
  /**
   * Tears down the dirs of pods not in `active()` (removed while the agent was away); returns
   * their uids. The dirs are listed before `active` is asked, so a pod arriving meanwhile is safe.
   */
  cleanupOrphans(active: () => Promise<ReadonlySet<string>>): Promise<string[]>;
}

interface PodVolumes {
  volumes: Map<string, MountedVolume & { at: number }>;
  resourceVersion?: string;
}

/** kube's unescaped names for a mountPropagation value. */
const propagation = (p: string | undefined): Mount["propagation"] =>
  p === "HostToContainer" ? "rslave" : p === "Bidirectional" ? "rshared" : undefined;

export function newVolumeManager(o: VolumeManagerOptions): VolumeManager {
  const refreshMs = o.refreshMs ?? 10_000;
  const actual = new Map<string, PodVolumes>();
  const podDir = (uid: string) => join(o.podsDir, uid);
  const get = <T>(path: string) =>
    o.client
      .request<T>("GET", path)
      .catch((err) => (isStatusError(err, "NotFound") ? undefined : Promise.reject(err)));
  const enc = encodeURIComponent;
  const host: VolumeHost = {
    configMap: (ns, name) => get<ConfigMap>(`/api/v1/namespaces/${enc(ns)}/configmaps/${enc(name)}`),
    secret: (ns, name) => get<Secret>(`/api/v1/namespaces/${enc(ns)}/secrets/${enc(name)}`),
    claim: (ns, name) =>
      get<PersistentVolumeClaim>(`/api/v1/namespaces/${enc(ns)}/persistentvolumeclaims/${enc(name)}`),
    volume: (name) => get<PersistentVolume>(`/api/v1/persistentvolumes/${enc(name)}`),
    nodeName: o.nodeName,
    nodeAllocatable: o.nodeAllocatable,
    log: o.log,
  };

  async function mountPod(pod: Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? "";
    let state = actual.get(uid);
    if (!state) actual.set(uid, (state = { volumes: new Map() }));
    const podChanged = state.resourceVersion !== pod.metadata?.resourceVersion;
    state.resourceVersion = pod.metadata?.resourceVersion;
    const failures: MountFailure[] = [];
    const now = Date.now();
    for (const v of pod.spec?.volumes ?? []) {
      const have = state.volumes.get(v.name);
      if (have && (!have.refresh || (!podChanged && now - have.at < refreshMs))) continue;
      const plugin = builtinPlugins.find((p) => p.canSupport(v));
      if (!plugin) {
        const type = volumeType(v);
        failures.push({
          volume: v.name,
          message: `Unable to attach or mount volumes: unmounted volumes=[${v.name}], unattached volumes=[${v.name}]: failed to get Plugin from volumeSpec for volume "${v.name}" err=no volume plugin matched: volume type "${type}" is not supported by this node (kite serves emptyDir, hostPath, persistentVolumeClaim, configMap, secret, downwardAPI and projected)`,
        });
        continue;
      }
      try {
        const dir = join(podDir(uid), "volumes", plugin.name, v.name);
        const m = await plugin.setUp(pod, v, dir, host);
        state.volumes.set(v.name, { ...m, at: now });
      } catch (err) {
        // A volume already mounted stays usable when a refresh fails (the API may be away).
        if (have) {
          o.log.warn({ pod: pod.metadata?.name, volume: v.name, err: String(err) }, "volume refresh failed");
          have.at = now;
        }
        const e = err as Error;
        failures.push({
          volume: v.name,
          message:
            e instanceof VolumeSetUpError && e.eventMessage
              ? e.eventMessage
              : `MountVolume.SetUp failed for volume "${v.name}" : ${e.message}`,
        });
      }
    }
    if (failures.length) throw new VolumeMountError(failures);
  }

  function volumesReady(pod: Pod): boolean {
    const s = actual.get(pod.metadata?.uid ?? "");
    return (pod.spec?.volumes ?? []).every((v) => s?.volumes.has(v.name));
  }

  /** PrepareSafeSubpath: a bind mount of the resolved subPath, under volume-subpaths. */
  async function prepareSubPath(
    uid: string,
    volume: string,
    container: string,
    index: number,
    root: string,
    subPath: string,
  ): Promise<string> {
    const resolved = resolveSubPath(root, subPath, statSync(root).mode & 0o7777);
    const base = realpathSync(root);
    const target = join(podDir(uid), "volume-subpaths", volume, container, String(index));
    const fd = openBeneath(base, resolved);
    try {
      const st = fstatSync(fd);
      const existing = mountOf(target);
      if (existing) {
        const t = statSync(target);
        if (t.dev === st.dev && t.ino === st.ino) return target;
        await unmountAll(target, o.log);
      }
      mkdirSync(join(target, ".."), { recursive: true });
      if (st.isDirectory()) mkdirSync(target, { recursive: true });
      else {
        rmSync(target, { recursive: true, force: true });
        writeFileSync(target, "");
      }
      await bindMountFd(fd, target, o.log);
      return target;
    } finally {
      closeSync(fd);
    }
  }

  async function containerMounts(
    pod: Pod,
    c: Container,
    env: { name: string; value: string }[],
  ): Promise<Mount[]> {
    const uid = pod.metadata?.uid ?? "";
    const state = actual.get(uid);
    const envMap = new Map(env.map((e) => [e.name, e.value]));
    const out: Mount[] = [];
    for (const [i, vm] of (c.volumeMounts ?? []).entries()) {
      const vol = state?.volumes.get(vm.name);
      if (!vol)
        throw new ContainerMountError(`cannot find volume "${vm.name}" to mount into container "${c.name}"`);
      let hostPath = vol.path;
      let subPath = vm.subPath ?? "";
      if (vm.subPathExpr) {
        subPath = expandVars(vm.subPathExpr, (name) => envMap.get(name));
      }
      if (subPath) {
        try {
          validateSubPath(subPath);
          hostPath = await prepareSubPath(uid, vm.name, c.name, i, vol.path, subPath);
        } catch (err) {
          o.log.warn(
            { pod: pod.metadata?.name, container: c.name, volume: vm.name, subPath, err: String(err) },
            "failed to prepare subPath",
          );
          const why =
            err instanceof SubPathError ? err.message.replaceAll(vol.path, "<volume>") : "cannot open it";
          throw new ContainerMountError(
            `failed to prepare subPath for volumeMount "${vm.name}" of container "${c.name}": ${why}`,
          );
        }
      }
      out.push({
        containerPath: vm.mountPath,
        hostPath,
        readonly: vm.readOnly === true || vol.readOnly,
        propagation: propagation(vm.mountPropagation),
      });
    }
    return out;
  }

  async function tearDownPod(uid: string): Promise<void> {
    const dir = podDir(uid);
    await unmountAll(dir, o.log);
    const left = mountsUnder(dir);
    if (left.length) throw new Error(`volumes of pod ${uid} are still mounted: ${left.join(", ")}`);
    rmSync(join(dir, "volume-subpaths"), { recursive: true, force: true });
    rmSync(join(dir, "volumes"), { recursive: true, force: true });
    actual.delete(uid);
  }

  async function cleanupOrphans(activeNow: () => Promise<ReadonlySet<string>>): Promise<string[]> {
    let uids: string[];
    try {
      uids = readdirSync(o.podsDir);
    } catch {
      return [];
    }
    const active = await activeNow();
    const removed: string[] = [];
    for (const uid of uids) {
      if (active.has(uid)) continue;
      try {
        await tearDownPod(uid);
        rmSync(podDir(uid), { recursive: true, force: true });
        removed.push(uid);
      } catch (err) {
        o.log.warn({ uid, err: String(err) }, "orphaned pod volumes not removed");
      }
    }
    return removed;
  }

  return { mountPod, volumesReady, containerMounts, tearDownPod, cleanupOrphans };
}
