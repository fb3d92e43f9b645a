// The node's half of local-path reclaiming: the provisioner deletes a released volume's
// PersistentVolume when its policy is Delete; the node that holds the directory deletes the data.
// The agent remembers, in a small state file, every volume provisioned by kite.io/local-path for
// this node whose directory lies under the storage path; once such a volume is gone from the API
// and its last known reclaim policy was Delete, its directory goes. Retain volumes are never touched.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, normalize, resolve } from "node:path";
import type { PersistentVolume } from "kubernetes-types/core/v1.js";

export const provisionedByAnnotation = "pv.kubernetes.io/provisioned-by";
export const localPathProvisionerName = "kite.io/local-path";
const selectedNodeAnnotation = "local.path.provisioner/selected-node";

export interface LocalPathCleanupOptions {
  nodeName: string;
  /** where local-path volumes live on this node (k3s --default-local-storage-path) */
  storagePath: string;
  /** the agent's record of volumes seen, e.g. `<agent dataDir>/local-path-volumes.json` */
  stateFile: string;
}

interface Known {
  path: string;
  reclaimPolicy: string;
}

function nodeOf(pv: PersistentVolume): string | undefined {
  const selected = pv.metadata?.annotations?.[selectedNodeAnnotation];
  if (selected) return selected;
  for (const t of pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [])
    for (const e of t.matchExpressions ?? [])
      if (e.key === "kubernetes.io/hostname" && e.operator === "In" && e.values?.length === 1)
        return e.values[0];
  return undefined;
}

/** The volume's directory when it is this node's local-path volume under the storage path. */
export function localPathDirectory(pv: PersistentVolume, o: LocalPathCleanupOptions): string | undefined {
  if (pv.metadata?.annotations?.[provisionedByAnnotation] !== localPathProvisionerName) return undefined;
  if (nodeOf(pv) !== o.nodeName) return undefined;
  const raw = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
  if (!raw?.startsWith("/")) return undefined;
  const path = normalize(raw);
  const root = resolve(o.storagePath);
  // Exactly one level below the storage path, and named after the volume, as the provisioner names it.
  if (dirname(path) !== root || !basename(path).startsWith(`${pv.metadata?.name}_`)) return undefined;
  return path;
}

function readState(file: string): Record<string, Known> {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, Known>;
  } catch {
    return {};
  }
}

function writeState(file: string, state: Record<string, Known>): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}

/**
 * Given every PersistentVolume in the API now, records this node's local-path volumes and removes
 * the directories of those that are gone with policy Delete. Returns the directories removed.
 */
export function cleanupLocalPathVolumes(
  volumes: readonly PersistentVolume[],
  o: LocalPathCleanupOptions,
): string[] {
  const state = readState(o.stateFile);
  const before = JSON.stringify(state);
  const present = new Set<string>();
  for (const pv of volumes) {
    const name = pv.metadata?.name ?? "";
    present.add(name);
    const path = localPathDirectory(pv, o);
    if (path) state[name] = { path, reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy ?? "Delete" };
  }
  const removed: string[] = [];
  for (const [name, k] of Object.entries(state)) {
    if (present.has(name)) continue;
    if (k.reclaimPolicy === "Delete") {
      rmSync(k.path, { recursive: true, force: true });
      removed.push(k.path);
    }
    delete state[name];
  }
  if (JSON.stringify(state) !== before) writeState(o.stateFile, state);
  return removed;
}
