// A container's environment as the kubelet builds it (kubelet_pods.go makeEnvironmentVariables):
// envFrom first, then env in order, each value able to refer to earlier ones with $(VAR); fieldRef
// and resourceFieldRef from the pod and node; configMapKeyRef and secretKeyRef from the API.
// The result is the list handed to kuberuntime, which also expands $(VAR) in command and args.
import type { ConfigMap, Container, Pod, Secret } from "kubernetes-types/core/v1.js";
import { quantityToMillis } from "../api/quantity.js";
import { expand } from "./kuberuntime/expansion.js";

export interface EnvVar {
  name: string;
  value: string;
}

/** What env resolution reads from the API; both answer undefined for an object that does not exist. */
export interface EnvSources {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
}

export interface EnvContext {
  pod: Pod;
  podIP?: string;
  podIPs?: string[];
  hostIP?: string;
  hostIPs?: string[];
  /** node allocatable, the value of a limits.* resourceFieldRef when the container sets no limit */
  nodeAllocatable?: Record<string, string>;
}

/** A failure the kubelet reports as CreateContainerConfigError with this message. */
export class EnvError extends Error {
  override name = "EnvError";
}

/**
 * expansion.Expand: `$(VAR)` becomes VAR's value when defined, `$$` escapes a dollar, and an
 * undefined reference is left as written (one implementation, in kuberuntime/expansion.ts).
 */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  return expand(input, (name) => lookup(name) ?? `$(${name})`);
}

const envVarName = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** podutil's downward API field values for fieldRef. */
export function fieldRefValue(fieldPath: string, ctx: EnvContext): string {
  const meta = ctx.pod.metadata ?? {};
  const subscript = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (subscript) {
    const map = subscript[1] === "labels" ? meta.labels : meta.annotations;
    return map?.[subscript[2] ?? ""] ?? "";
  }
  const formatMap = (m: Record<string, string> | undefined) =>
    Object.keys(m ?? {})
      .sort()
      .map((k) => `${k}="${m?.[k]}"`)
      .join("\n");
  switch (fieldPath) {
    case "metadata.name":
      return meta.name ?? "";
    case "metadata.namespace":
      return meta.namespace ?? "";
    case "metadata.uid":
      return meta.uid ?? "";
    case "metadata.labels":
      return formatMap(meta.labels);
    case "metadata.annotations":
      return formatMap(meta.annotations);
    case "spec.nodeName":
      return ctx.pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName":
      return ctx.pod.spec?.serviceAccountName ?? "";
    case "status.hostIP":
      return ctx.hostIP ?? "";
    case "status.hostIPs":
      return (ctx.hostIPs ?? (ctx.hostIP ? [ctx.hostIP] : [])).join(",");
    case "status.podIP":
      return ctx.podIP ?? "";
    case "status.podIPs":
      return (ctx.podIPs ?? (ctx.podIP ? [ctx.podIP] : [])).join(",");
    default:
      throw new EnvError(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** resource.ExtractContainerResourceValue: ceil(quantity / divisor); limits default to node allocatable. */
export function resourceFieldRefValue(
  container: Container,
  resource: string,
  divisor: string | number | undefined,
  allocatable: Record<string, string> | undefined,
): string {
  const [kind, name] = resource.split(".", 2) as [string, string | undefined];
  if (!name || (kind !== "limits" && kind !== "requests"))
    throw new EnvError(`unsupported container resource : ${resource}`);
  const r = container.resources ?? {};
  let q = (kind === "limits" ? r.limits?.[name] : r.requests?.[name]) as string | number | undefined;
  if (q === undefined && kind === "limits") q = allocatable?.[name];
  if (q === undefined && kind === "requests" && r.limits?.[name] !== undefined) q = r.limits[name] as string;
  if (q === undefined) return "0";
  const d = quantityToMillis(divisor ?? "1");
  if (d === 0n) throw new EnvError(`invalid divisor: ${divisor}`);
  const m = quantityToMillis(q);
  return String((m + d - 1n) / d);
}

export async function makeEnvironmentVariables(
  container: Container,
  ctx: EnvContext,
  sources: EnvSources,
): Promise<EnvVar[]> {
  const ns = ctx.pod.metadata?.namespace ?? "default";
  const order: string[] = [];
  const values = new Map<string, string>();
  const set = (name: string, value: string) => {
    if (!values.has(name)) order.push(name);
    values.set(name, value);
  };

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? "";
      const cm = await sources.configMap(ns, name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new EnvError(`configmap "${name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) {
        const key = prefix + k;
        if (envVarName.test(key)) set(key, v);
      }
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? "";
      const s = await sources.secret(ns, name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new EnvError(`secret "${name}" not found`);
      }
      for (const [k, v] of Object.entries(s.data ?? {})) {
        const key = prefix + k;
        if (envVarName.test(key)) set(key, Buffer.from(v, "base64").toString("utf8"));
      }
    }
  }

  for (const e of container.env ?? []) {
    if (e.value !== undefined || !e.valueFrom) {
      set(
        e.name,
        expandVars(e.value ?? "", (n) => values.get(n)),
      );
      continue;
    }
    const vf = e.valueFrom;
    if (vf.fieldRef) {
      set(e.name, fieldRefValue(vf.fieldRef.fieldPath, ctx));
    } else if (vf.resourceFieldRef) {
      const target = vf.resourceFieldRef.containerName
        ? [...(ctx.pod.spec?.containers ?? []), ...(ctx.pod.spec?.initContainers ?? [])].find(
            (c) => c.name === vf.resourceFieldRef?.containerName,
          )
        : container;
      if (!target) throw new EnvError(`container ${vf.resourceFieldRef.containerName} not found`);
      set(
        e.name,
        resourceFieldRefValue(
          target,
          vf.resourceFieldRef.resource,
          vf.resourceFieldRef.divisor as string | undefined,
          ctx.nodeAllocatable,
        ),
      );
    } else if (vf.configMapKeyRef) {
      const { name = "", key, optional } = vf.configMapKeyRef;
      const cm = await sources.configMap(ns, name);
      if (!cm) {
        if (optional) continue;
        throw new EnvError(`configmap "${name}" not found`);
      }
      const v =
        cm.data?.[key] ??
        (cm.binaryData?.[key] !== undefined
          ? Buffer.from(cm.binaryData[key] as string, "base64").toString()
          : undefined);
      if (v === undefined) {
        if (optional) continue;
        throw new EnvError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
      }
      set(e.name, v);
    } else if (vf.secretKeyRef) {
      const { name = "", key, optional } = vf.secretKeyRef;
      const s = await sources.secret(ns, name);
      if (!s) {
        if (optional) continue;
        throw new EnvError(`secret "${name}" not found`);
      }
      const raw = s.data?.[key];
      if (raw === undefined) {
        if (optional) continue;
        throw new EnvError(`couldn't find key ${key} in Secret ${ns}/${name}`);
      }
      set(e.name, Buffer.from(raw, "base64").toString("utf8"));
    }
  }
  return order.map((name) => ({ name, value: values.get(name) ?? "" }));
}
