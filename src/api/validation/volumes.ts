// Pod volume validation (ValidateVolumes, validateVolumeSource and the per-source checks kite
// serves: emptyDir, hostPath, configMap, secret, persistentVolumeClaim, downwardAPI, projected).
// Other sources are only counted, so "exactly one source" holds for them too.
import type { DownwardAPIVolumeFile, KeyToPath, Volume } from "kubernetes-types/core/v1.js";
import { type FieldError, fieldErr } from "../field-errors.js";
import { isQuantity, parseQuantity } from "../quantity.js";
import {
  validateLocalDescendingPath,
  validateObjectFieldSelector,
  validateResourceFieldSelector,
} from "./container.js";
import { isDNS1123Label, isDNS1123Subdomain } from "./names.js";

export const fileModeErrorMsg = "must be a number between 0 and 0777 (octal), both inclusive";

/** Volume source fields in the order kube checks them, which decides which one "may not specify more". */
export const volumeSourceFields = [
  "emptyDir",
  "hostPath",
  "gitRepo",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "flocker",
  "persistentVolumeClaim",
  "rbd",
  "quobyte",
  "cinder",
  "cephfs",
  "downwardAPI",
  "fc",
  "azureFile",
  "vsphereVolume",
  "photonPersistentDisk",
  "portworxVolume",
  "azureDisk",
  "storageos",
  "scaleIO",
  "configMap",
  "projected",
  "csi",
  "ephemeral",
] as const;

export const hostPathTypes = [
  "",
  "BlockDevice",
  "CharDevice",
  "Directory",
  "DirectoryOrCreate",
  "File",
  "FileOrCreate",
  "Socket",
];

function validateMode(mode: number | undefined, path: string): FieldError[] {
  if (mode === undefined) return [];
  return mode < 0 || mode > 0o777 ? [fieldErr.invalid(path, mode, fileModeErrorMsg)] : [];
}

/** validatePathNoBacksteps */
function noBacksteps(target: string, path: string): FieldError[] {
  return target.split(/[\\/]/).includes("..")
    ? [fieldErr.invalid(path, target, "must not contain '..'")]
    : [];
}

/** validateLocalNonReservedPath: key-to-path targets may not start with "..". */
function localNonReservedPath(target: string, path: string): FieldError[] {
  const errs = validateLocalDescendingPath(target, path);
  if (target.startsWith("..") && !target.startsWith("../"))
    errs.push(fieldErr.invalid(path, target, "must not start with '..'"));
  return errs;
}

function validateKeyToPaths(items: KeyToPath[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (items ?? []).forEach((kp, i) => {
    const p = `${path}[${i}]`;
    if (!kp.key) errs.push(fieldErr.required(`${p}.key`));
    if (!kp.path) errs.push(fieldErr.required(`${p}.path`));
    else errs.push(...localNonReservedPath(kp.path, `${p}.path`));
    errs.push(...validateMode(kp.mode, `${p}.mode`));
  });
  return errs;
}

const downwardAPIFieldPaths = [
  "metadata.annotations",
  "metadata.labels",
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
];

function validateDownwardAPIFiles(items: DownwardAPIVolumeFile[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (items ?? []).forEach((f, i) => {
    const p = `${path}[${i}]`;
    if (!f.path) errs.push(fieldErr.required(`${p}.path`));
    else errs.push(...localNonReservedPath(f.path, `${p}.path`));
    errs.push(...validateMode(f.mode, `${p}.mode`));
    if (f.fieldRef) {
      errs.push(...validateObjectFieldSelector(f.fieldRef, downwardAPIFieldPaths, `${p}.fieldRef`));
      if (f.resourceFieldRef) {
        errs.push(
          fieldErr.invalid(
            p,
            "resource",
            "fieldRef and resourceFieldRef can not be specified simultaneously",
          ),
        );
      }
    } else if (f.resourceFieldRef) {
      errs.push(...validateResourceFieldSelector(f.resourceFieldRef, true, `${p}.resourceFieldRef`));
    } else {
      errs.push(fieldErr.required(p, "one of fieldRef and resourceFieldRef is required"));
    }
  });
  return errs;
}

function validateSourceDetail(field: string, vol: Volume, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const p = `${path}.${field}`;
  switch (field) {
    case "emptyDir": {
      const size = vol.emptyDir?.sizeLimit;
      if (size !== undefined) {
        if (!isQuantity(size))
          errs.push(fieldErr.invalid(`${p}.sizeLimit`, size, "must be a valid resource quantity"));
        else if (parseQuantity(size).nanos < 0n) {
          errs.push(
            fieldErr.forbidden(`${p}.sizeLimit`, "SizeLimit field must be a valid resource quantity"),
          );
        }
      }
      break;
    }
    case "hostPath": {
      const hp = vol.hostPath;
      if (!hp?.path) errs.push(fieldErr.required(`${p}.path`));
      else errs.push(...noBacksteps(hp.path, `${p}.path`));
      if (hp?.type !== undefined && !hostPathTypes.includes(hp.type)) {
        errs.push(fieldErr.notSupported(`${p}.type`, hp.type, hostPathTypes));
      }
      break;
    }
    case "secret": {
      const s = vol.secret;
      if (!s?.secretName) errs.push(fieldErr.required(`${p}.secretName`));
      errs.push(...validateMode(s?.defaultMode, `${p}.defaultMode`));
      errs.push(...validateKeyToPaths(s?.items, `${p}.items`));
      break;
    }
    case "configMap": {
      const c = vol.configMap;
      if (!c?.name) errs.push(fieldErr.required(`${p}.name`));
      else
        for (const msg of isDNS1123Subdomain(c.name)) errs.push(fieldErr.invalid(`${p}.name`, c.name, msg));
      errs.push(...validateMode(c?.defaultMode, `${p}.defaultMode`));
      errs.push(...validateKeyToPaths(c?.items, `${p}.items`));
      break;
    }
    case "persistentVolumeClaim":
      if (!vol.persistentVolumeClaim?.claimName) errs.push(fieldErr.required(`${p}.claimName`));
      break;
    case "downwardAPI":
      errs.push(...validateMode(vol.downwardAPI?.defaultMode, `${p}.defaultMode`));
      errs.push(...validateDownwardAPIFiles(vol.downwardAPI?.items, `${p}.items`));
      break;
    case "projected": {
      const pr = vol.projected;
      errs.push(...validateMode(pr?.defaultMode, `${p}.defaultMode`));
      const allPaths = new Set<string>();
      (pr?.sources ?? []).forEach((src, i) => {
        const sp = `${p}.sources[${i}]`;
        const kinds = (
          ["secret", "downwardAPI", "configMap", "serviceAccountToken", "clusterTrustBundle"] as const
        ).filter((k) => src[k] !== undefined);
        if (kinds.length === 0)
          errs.push(
            fieldErr.required(
              sp,
              "must specify exactly 1 of: secret, downwardAPI, configMap, serviceAccountToken, clusterTrustBundle",
            ),
          );
        for (const k of kinds.slice(1))
          errs.push(fieldErr.forbidden(`${sp}.${k}`, "may not specify more than 1 volume type per source"));
        if (src.secret) errs.push(...validateKeyToPaths(src.secret.items, `${sp}.secret.items`));
        if (src.configMap) errs.push(...validateKeyToPaths(src.configMap.items, `${sp}.configMap.items`));
        if (src.downwardAPI)
          errs.push(...validateDownwardAPIFiles(src.downwardAPI.items, `${sp}.downwardAPI.items`));
        if (src.serviceAccountToken) {
          const t = src.serviceAccountToken;
          if (!t.path) errs.push(fieldErr.required(`${sp}.serviceAccountToken.path`));
          if (t.expirationSeconds !== undefined && t.expirationSeconds < 600) {
            errs.push(
              fieldErr.invalid(
                `${sp}.serviceAccountToken.expirationSeconds`,
                t.expirationSeconds,
                "may not specify a duration less than 10 minutes",
              ),
            );
          }
        }
        const itemPaths = [
          ...(src.secret?.items ?? []).map((x) => x.path),
          ...(src.configMap?.items ?? []).map((x) => x.path),
          ...(src.downwardAPI?.items ?? []).map((x) => x.path),
          ...(src.serviceAccountToken ? [src.serviceAccountToken.path] : []),
        ];
        for (const ip of itemPaths) {
          if (!ip) continue;
          if (allPaths.has(ip)) errs.push(fieldErr.invalid(sp, ip, "conflicting duplicate paths"));
          allPaths.add(ip);
        }
      });
      break;
    }
  }
  return errs;
}

/** validateVolumeSource: exactly one source, then that source's own rules. */
export function validateVolumeSource(vol: Volume, path: string): FieldError[] {
  const present = volumeSourceFields.filter(
    (f) => (vol as unknown as Record<string, unknown>)[f] !== undefined,
  );
  if (present.length === 0) return [fieldErr.required(path, "must specify a volume type")];
  const errs: FieldError[] = [];
  present.forEach((f, i) => {
    if (i > 0) errs.push(fieldErr.forbidden(`${path}.${f}`, "may not specify more than 1 volume type"));
    else errs.push(...validateSourceDetail(f, vol, path));
  });
  return errs;
}

/**
 * ValidateVolumes. Returns the names of the volumes that validated: as in kube, a mount of an
 * invalid volume is then also reported as not found.
 */
export function validateVolumes(
  volumes: Volume[] | undefined,
  path: string,
): { names: Set<string>; errs: FieldError[] } {
  const names = new Set<string>();
  const errs: FieldError[] = [];
  (volumes ?? []).forEach((vol, i) => {
    const p = `${path}[${i}]`;
    const el = validateVolumeSource(vol, p);
    if (!vol.name) el.push(fieldErr.required(`${p}.name`));
    else for (const msg of isDNS1123Label(vol.name)) el.push(fieldErr.invalid(`${p}.name`, vol.name, msg));
    if (names.has(vol.name)) el.push(fieldErr.duplicate(`${p}.name`, vol.name));
    if (el.length === 0) names.add(vol.name);
    else errs.push(...el);
  });
  return { names, errs };
}
