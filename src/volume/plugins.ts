// Volume plugins (the kubelet's VolumePlugin + Mounter/Unmounter, reduced to what a node without
// attachable disks needs): each knows one kind of pod volume, sets it up for a pod and answers the
// host path the runtime bind-mounts into containers, and tears it down when the pod is gone.
// Per-pod directories are `<pods>/<uid>/volumes/<plugin>/<volume>`, named as the kubelet names them.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type {
  ConfigMap,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  Secret,
  Volume,
} from "kubernetes-types/core/v1.js";
import type { EnvContext } from "../agent/env.js";
import { quantityToBytes } from "../api/quantity.js";
import { type Payload, writeAtomic } from "./atomic-writer.js";
import { checkHostPathType } from "./host-path.js";
import { mountOf, mountTmpfs } from "./mount-utils.js";
import {
  configMapPayload,
  downwardAPIPayload,
  defaultMode as kubeDefaultMode,
  projectedPayload,
  secretPayload,
} from "./projections.js";

/** What a set-up volume offers containers. */
export interface MountedVolume {
  /** host path the runtime bind-mounts (the volume's root) */
  path: string;
  readOnly: boolean;
  /** API-data volumes are rewritten periodically so running pods see updates */
  refresh: boolean;
  plugin: string;
}

/** What plugins read from the API and the node. */
export interface VolumeHost {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  claim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  volume(name: string): Promise<PersistentVolume | undefined>;
  nodeName: string;
  nodeAllocatable?: Record<string, string>;
  log?: import("../util/log.js").Logger;
}

export interface VolumePlugin {
  /** kube's escaped plugin name, the directory under `volumes/` */
  name: string;
  canSupport(v: Volume): boolean;
  /** Idempotent: what is already in place (after an agent restart too) is recognised, not redone. */
  setUp(pod: Pod, v: Volume, dir: string, host: VolumeHost): Promise<MountedVolume>;
}

/** A failure setting up one volume, reported as FailedMount. */
export class VolumeSetUpError extends Error {
  constructor(
    readonly volume: string,
    message: string,
    /** the whole event message when it is not kube's "MountVolume.SetUp failed" form */
    readonly eventMessage?: string,
  ) {
    super(message);
    this.name = "VolumeSetUpError";
  }
}

const fsGroupOf = (pod: Pod) => pod.spec?.securityContext?.fsGroup;

/**
 * SetVolumeOwnership: every file gets group fsGroup and the group bits of the mask (rw, or r for
 * read-only volumes), directories also setgid and group-x so new files inherit the group.
 * OnRootMismatch skips the walk when the root already has the group and bits.
 */
export function setVolumeOwnership(
  dir: string,
  gid: number,
  readOnly: boolean,
  onRootMismatch = false,
): void {
  const mask = readOnly ? 0o440 : 0o660;
  if (onRootMismatch) {
    const st = statSync(dir);
    if (st.gid === gid && (st.mode & 0o2000) !== 0 && (st.mode & (mask | 0o110)) === (mask | 0o110)) return;
  }
  const walk = (p: string) => {
    const st = lstatSync(p);
    chownSync(p, -1, gid);
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      chmodSync(p, (st.mode & 0o7777) | mask | 0o2000 | 0o110);
      for (const e of readdirSync(p)) walk(join(p, e));
    } else chmodSync(p, (st.mode & 0o7777) | mask);
  };
  walk(dir);
}

export const emptyDirPlugin: VolumePlugin = {
  name: "kubernetes.io~empty-dir",
  canSupport: (v) => !!v.emptyDir,
  async setUp(pod, v, dir, host) {
    const medium = v.emptyDir?.medium ?? "";
    if (medium !== "" && medium !== "Memory")
      throw new VolumeSetUpError(v.name, `emptyDir medium ${medium} is not supported by this node`);
    const fresh = !existsSync(dir);
    mkdirSync(dir, { recursive: true });
    if (medium === "Memory" && mountOf(dir)?.fsType !== "tmpfs") {
      const opts = ["nodev", "nosuid"];
      const limit = v.emptyDir?.sizeLimit;
      if (limit !== undefined && Number(quantityToBytes(String(limit))) > 0)
        opts.push(`size=${quantityToBytes(String(limit))}`);
      await mountTmpfs(dir, opts, host.log);
      chmodSync(dir, 0o777);
    } else if (fresh) chmodSync(dir, 0o777);
    const gid = fsGroupOf(pod);
    if (gid !== undefined) setVolumeOwnership(dir, gid, false);
    return { path: dir, readOnly: false, refresh: false, plugin: this.name };
  },
};

export const hostPathPlugin: VolumePlugin = {
  name: "kubernetes.io~host-path",
  canSupport: (v) => !!v.hostPath,
  async setUp(_pod, v, _dir, _host) {
    const path = v.hostPath?.path ?? "";
    try {
      checkHostPathType(path, v.hostPath?.type);
    } catch (err) {
      throw new VolumeSetUpError(v.name, (err as Error).message);
    }
    // hostPath is used in place: the runtime bind-mounts the host's own path, no per-pod copy.
    return { path, readOnly: false, refresh: false, plugin: this.name };
  },
};

/** Some container of the pod has run: the API's status says so. */
function podStarted(pod: Pod): boolean {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].some(
    (s) => s.state?.running || s.state?.terminated || s.lastState?.terminated,
  );
}

/** persistentVolumeClaim: the claim must be Bound, and its volume one this node can serve locally. */
export const persistentVolumeClaimPlugin: VolumePlugin = {
  name: "kubernetes.io~pvc",
  canSupport: (v) => !!v.persistentVolumeClaim,
  async setUp(pod, v, _dir, host) {
    const ns = pod.metadata?.namespace ?? "default";
    const claimName = v.persistentVolumeClaim?.claimName ?? "";
    const unmounted = (detail: string) =>
      new VolumeSetUpError(
        v.name,
        detail,
        `Unable to attach or mount volumes: unmounted volumes=[${v.name}], unattached volumes=[${v.name}]: error processing PVC ${ns}/${claimName}: ${detail}`,
      );
    const claim = await host.claim(ns, claimName);
    if (!claim)
      throw unmounted(`failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`);
    // A claim being deleted keeps serving the pods that already run on it (that is what its
    // protection finalizer waits for): only a pod that has not started yet is refused.
    if (claim.metadata?.deletionTimestamp && !podStarted(pod))
      throw unmounted(`can't start pod because PVC ${ns}/${claimName} is being deleted`);
    const pvName = claim.spec?.volumeName ?? "";
    if (claim.status?.phase !== "Bound" || !pvName)
      throw unmounted(
        `PVC ${ns}/${claimName} has non-bound phase ("${claim.status?.phase ?? "Pending"}") or empty pvc.Spec.VolumeName ("${pvName}")`,
      );
    const pv = await host.volume(pvName);
    if (!pv)
      throw unmounted(
        `failed to fetch PV ${pvName} from API server: persistentvolumes "${pvName}" not found`,
      );
    if (!pv.spec?.claimRef) throw unmounted(`found PV object ${pvName} but it has a nil or empty ClaimRef`);
    if (pv.spec.claimRef.uid && pv.spec.claimRef.uid !== claim.metadata?.uid)
      throw unmounted(
        `found PV object "${pvName}" but its ClaimRef.UID ("${pv.spec.claimRef.uid}") does not point to claim.UID ("${claim.metadata?.uid}")`,
      );
    const affinity = pv.spec.nodeAffinity?.required?.nodeSelectorTerms;
    if (affinity?.length) {
      const hostnames = affinity.flatMap((t) =>
        (t.matchExpressions ?? [])
          .filter((e) => e.key === "kubernetes.io/hostname" && e.operator === "In")
          .flatMap((e) => e.values ?? []),
      );
      if (hostnames.length && !hostnames.includes(host.nodeName))
        throw unmounted(
          `volume node affinity conflict: PV ${pvName} is bound to node(s) ${hostnames.join(", ")}`,
        );
    }
    const readOnly = v.persistentVolumeClaim?.readOnly === true;
    let path: string;
    let plugin: string;
    if (pv.spec.hostPath) {
      path = pv.spec.hostPath.path;
      plugin = "kubernetes.io~host-path";
      try {
        checkHostPathType(path, pv.spec.hostPath.type);
      } catch (err) {
        throw new VolumeSetUpError(v.name, (err as Error).message);
      }
    } else if (pv.spec.local) {
      path = pv.spec.local.path;
      plugin = "kubernetes.io~local-volume";
      if (!existsSync(path)) throw new VolumeSetUpError(v.name, `path "${path}" does not exist`);
    } else {
      const kind = Object.keys(pv.spec).find((k) => unsupportedPVSources.has(k)) ?? "unknown";
      throw new VolumeSetUpError(
        v.name,
        `volume type "${kind}" of PersistentVolume ${pvName} is not supported by this node (kite mounts hostPath and local volumes)`,
      );
    }
    const gid = fsGroupOf(pod);
    if (gid !== undefined && !readOnly && statSync(path).isDirectory())
      setVolumeOwnership(
        path,
        gid,
        false,
        pod.spec?.securityContext?.fsGroupChangePolicy === "OnRootMismatch",
      );
    return { path, readOnly, refresh: false, plugin };
  },
};

const unsupportedPVSources = new Set([
  "awsElasticBlockStore",
  "azureDisk",
  "azureFile",
  "cephfs",
  "cinder",
  "csi",
  "fc",
  "flexVolume",
  "flocker",
  "gcePersistentDisk",
  "glusterfs",
  "iscsi",
  "nfs",
  "photonPersistentDisk",
  "portworxVolume",
  "quobyte",
  "rbd",
  "scaleIO",
  "storageos",
  "vsphereVolume",
]);

function envContext(pod: Pod, host: VolumeHost): EnvContext {
  return { pod, nodeAllocatable: host.nodeAllocatable };
}

/** Writes an API-data volume's payload; a failure names the volume. */
function write(v: Volume, dir: string, payload: () => Payload, gid: number | undefined): void {
  let p: Payload;
  try {
    p = payload();
  } catch (err) {
    throw new VolumeSetUpError(v.name, (err as Error).message);
  }
  writeAtomic(dir, p, { gid });
  if (gid !== undefined) chownSync(dir, -1, gid);
}

export const configMapPlugin: VolumePlugin = {
  name: "kubernetes.io~configmap",
  canSupport: (v) => !!v.configMap,
  async setUp(pod, v, dir, host) {
    const src = v.configMap ?? {};
    const name = src.name ?? "";
    const cm = await host.configMap(pod.metadata?.namespace ?? "default", name);
    const gid = fsGroupOf(pod);
    write(v, dir, () => configMapPayload(name, cm, src, gid), gid);
    return { path: dir, readOnly: true, refresh: true, plugin: this.name };
  },
};

/** Secrets live on a tmpfs, as the kubelet keeps them: never written to the node's disk. */
async function ensureTmpfs(dir: string, host: VolumeHost): Promise<void> {
  mkdirSync(dir, { recursive: true });
  if (mountOf(dir)?.fsType !== "tmpfs") await mountTmpfs(dir, ["nodev", "nosuid", "mode=0755"], host.log);
}

export const secretPlugin: VolumePlugin = {
  name: "kubernetes.io~secret",
  canSupport: (v) => !!v.secret,
  async setUp(pod, v, dir, host) {
    const src = v.secret ?? {};
    const name = src.secretName ?? "";
    const s = await host.secret(pod.metadata?.namespace ?? "default", name);
    const gid = fsGroupOf(pod);
    // Check before mounting anything, so a missing secret leaves nothing behind.
    const payload = () => secretPayload(name, s, src, gid);
    try {
      payload();
    } catch (err) {
      throw new VolumeSetUpError(v.name, (err as Error).message);
    }
    await ensureTmpfs(dir, host);
    write(v, dir, payload, gid);
    return { path: dir, readOnly: true, refresh: true, plugin: this.name };
  },
};

export const downwardAPIPlugin: VolumePlugin = {
  name: "kubernetes.io~downward-api",
  canSupport: (v) => !!v.downwardAPI,
  async setUp(pod, v, dir, host) {
    const gid = fsGroupOf(pod);
    write(
      v,
      dir,
      () =>
        downwardAPIPayload(
          v.downwardAPI?.items,
          v.downwardAPI?.defaultMode ?? kubeDefaultMode,
          envContext(pod, host),
          gid,
        ),
      gid,
    );
    return { path: dir, readOnly: true, refresh: true, plugin: this.name };
  },
};

export const projectedPlugin: VolumePlugin = {
  name: "kubernetes.io~projected",
  canSupport: (v) => !!v.projected,
  async setUp(pod, v, dir, host) {
    const ns = pod.metadata?.namespace ?? "default";
    const cms = new Map<string, ConfigMap | undefined>();
    const secrets = new Map<string, Secret | undefined>();
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap) cms.set(s.configMap.name ?? "", await host.configMap(ns, s.configMap.name ?? ""));
      if (s.secret) secrets.set(s.secret.name ?? "", await host.secret(ns, s.secret.name ?? ""));
    }
    const gid = fsGroupOf(pod);
    const payload = () =>
      projectedPayload(
        v.projected ?? {},
        envContext(pod, host),
        { configMap: (n) => cms.get(n), secret: (n) => secrets.get(n) },
        gid,
      );
    try {
      payload();
    } catch (err) {
      throw new VolumeSetUpError(v.name, (err as Error).message);
    }
    await ensureTmpfs(dir, host);
    write(v, dir, payload, gid);
    return { path: dir, readOnly: true, refresh: true, plugin: this.name };
  },
};

export const builtinPlugins: VolumePlugin[] = [
  emptyDirPlugin,
  hostPathPlugin,
  persistentVolumeClaimPlugin,
  configMapPlugin,
  secretPlugin,
  downwardAPIPlugin,
  projectedPlugin,
];

/** The source field a volume uses (`nfs`, `csi`, …), for messages about unsupported types. */
export function volumeType(v: Volume): string {
  return Object.keys(v).find((k) => k !== "name") ?? "unknown";
}
