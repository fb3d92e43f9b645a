// Payloads of the API-data volumes (configmap.MakePayload, secret.MakePayload,
// downwardapi.CollectData, projected.collectData): which files with which bytes and modes. Pure:
// the objects come in, a Payload goes out, and the atomic writer puts it on disk.
import type {
  ConfigMap,
  DownwardAPIVolumeFile,
  KeyToPath,
  ProjectedVolumeSource,
  Secret,
} from "kubernetes-types/core/v1.js";
import { type EnvContext, fieldRefValue, resourceFieldRefValue } from "../agent/env.js";
import type { FileProjection, Payload } from "./atomic-writer.js";

/** v1.ConfigMapVolumeSourceDefaultMode and friends: 0644. */
export const defaultMode = 0o644;

/**
 * fsGroup on a read-only API-data volume: the files become group-readable, as
 * SetVolumeOwnership's roMask (0440) does on top of the file's mode.
 */
export function withFsGroup(mode: number, fsGroup: number | undefined): number {
  return fsGroup === undefined ? mode : mode | 0o440;
}

function fromKeys(
  what: "configmap" | "secret",
  data: Map<string, Buffer>,
  items: KeyToPath[] | undefined,
  mode: number,
  optional: boolean,
  fsGroup: number | undefined,
): Payload {
  const out: Payload = new Map();
  if (!items?.length) {
    for (const [k, v] of data) out.set(k, { data: v, mode: withFsGroup(mode, fsGroup) });
    return out;
  }
  for (const it of items) {
    const v = data.get(it.key);
    if (!v) {
      if (optional) continue;
      throw new Error(
        `${what} references non-existent ${what === "configmap" ? "config" : "secret"} key: ${it.key}`,
      );
    }
    out.set(it.path, { data: v, mode: withFsGroup(it.mode ?? mode, fsGroup) });
  }
  return out;
}

export function configMapData(cm: ConfigMap): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) m.set(k, Buffer.from(v, "utf8"));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) m.set(k, Buffer.from(v, "base64"));
  return m;
}

export function secretData(s: Secret): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(s.data ?? {})) m.set(k, Buffer.from(v, "base64"));
  return m;
}

export interface KeySource {
  items?: KeyToPath[];
  defaultMode?: number;
  optional?: boolean;
}

/** A configMap volume's payload; `cm` undefined means not found (empty when optional). */
export function configMapPayload(
  name: string,
  cm: ConfigMap | undefined,
  src: KeySource,
  fsGroup?: number,
): Payload {
  if (!cm) {
    if (src.optional) return new Map();
    throw new Error(`configmap "${name}" not found`);
  }
  return fromKeys(
    "configmap",
    configMapData(cm),
    src.items,
    src.defaultMode ?? defaultMode,
    !!src.optional,
    fsGroup,
  );
}

export function secretPayload(
  name: string,
  s: Secret | undefined,
  src: KeySource,
  fsGroup?: number,
): Payload {
  if (!s) {
    if (src.optional) return new Map();
    throw new Error(`secret "${name}" not found`);
  }
  return fromKeys(
    "secret",
    secretData(s),
    src.items,
    src.defaultMode ?? defaultMode,
    !!src.optional,
    fsGroup,
  );
}

/** downwardapi.CollectData: each item's fieldRef or resourceFieldRef value as a file. */
export function downwardAPIPayload(
  items: DownwardAPIVolumeFile[] | undefined,
  mode: number,
  ctx: EnvContext,
  fsGroup?: number,
): Payload {
  const out: Payload = new Map();
  for (const it of items ?? []) {
    let value: string;
    if (it.fieldRef) value = fieldRefValue(it.fieldRef.fieldPath, ctx);
    else if (it.resourceFieldRef) {
      const c = [...(ctx.pod.spec?.containers ?? []), ...(ctx.pod.spec?.initContainers ?? [])].find(
        (x) => x.name === it.resourceFieldRef?.containerName,
      );
      if (!c) throw new Error(`container ${it.resourceFieldRef.containerName} not found`);
      value = resourceFieldRefValue(
        c,
        it.resourceFieldRef.resource,
        it.resourceFieldRef.divisor as string | undefined,
        ctx.nodeAllocatable,
      );
    } else continue;
    out.set(it.path, { data: Buffer.from(value, "utf8"), mode: withFsGroup(it.mode ?? mode, fsGroup) });
  }
  return out;
}

export interface ProjectionSources {
  configMap(name: string): ConfigMap | undefined;
  secret(name: string): Secret | undefined;
  /** a service account token for `path` (TokenRequest); throws when the API cannot issue one */
  serviceAccountToken?(audience: string | undefined, expirationSeconds: number): string;
}

/** projected.collectData: every source in order into one payload, one defaultMode. */
export function projectedPayload(
  src: ProjectedVolumeSource,
  ctx: EnvContext,
  data: ProjectionSources,
  fsGroup?: number,
): Payload {
  const mode = src.defaultMode ?? defaultMode;
  const out: Payload = new Map();
  const add = (p: Payload) => {
    for (const [k, v] of p) out.set(k, v);
  };
  for (const s of src.sources ?? []) {
    if (s.configMap) {
      const name = s.configMap.name ?? "";
      add(configMapPayload(name, data.configMap(name), { ...s.configMap, defaultMode: mode }, fsGroup));
    } else if (s.secret) {
      const name = s.secret.name ?? "";
      add(secretPayload(name, data.secret(name), { ...s.secret, defaultMode: mode }, fsGroup));
    } else if (s.downwardAPI) {
      add(downwardAPIPayload(s.downwardAPI.items, mode, ctx, fsGroup));
    } else if (s.serviceAccountToken) {
      if (!data.serviceAccountToken) throw new Error("service account tokens are not available on this node");
      const tok = data.serviceAccountToken(
        s.serviceAccountToken.audience,
        s.serviceAccountToken.expirationSeconds ?? 3600,
      );
      // The token file is readable by the pod's user only, unless fsGroup says otherwise (0600).
      const f: FileProjection = {
        data: Buffer.from(tok, "utf8"),
        mode: fsGroup === undefined ? mode : 0o600,
      };
      out.set(s.serviceAccountToken.path, f);
    } else {
      const kind = Object.keys(s)[0] ?? "unknown";
      throw new Error(`projected volume source "${kind}" is not supported by this node`);
    }
  }
  return out;
}
