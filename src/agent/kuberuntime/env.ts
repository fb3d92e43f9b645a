// A container's environment as the kubelet builds it (makeEnvironmentVariables): envFrom first,
// then env in order, each value $(VAR)-expanded against the variables defined before it;
// valueFrom reads the pod's fields, the container's resources, ConfigMaps and Secrets.

import type { Container, EnvVar, Pod } from "kubernetes-types/core/v1.js";
import { quantityToBytes, quantityToMillis } from "../../api/quantity.js";
import { ContainerConfigError } from "./errors.js";
import { expand, mappingFor } from "./expansion.js";

export interface EnvSources {
  /** A ConfigMap's data in the pod's namespace, undefined when it does not exist. */
  configMap?(name: string): Record<string, string> | undefined;
  /** A Secret's data (decoded) in the pod's namespace, undefined when it does not exist. */
  secret?(name: string): Record<string, string> | undefined;
  podIP?: string;
  podIPs?: string[];
  hostIP?: string;
  nodeName?: string;
  /** Node allocatable, the value of limits.* when the container sets none. */
  nodeAllocatable?: { cpuMillis: number; memoryBytes: number };
}

// kube's IsEnvVarName: C identifiers plus '.', '-'; envFrom skips keys that are not.
const envVarName = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function fieldValue(pod: Pod, path: string, src: EnvSources): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === "labels" ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]!] ?? "";
  switch (path) {
    case "metadata.name":
      return pod.metadata?.name ?? "";
    case "metadata.namespace":
      return pod.metadata?.namespace ?? "";
    case "metadata.uid":
      return pod.metadata?.uid ?? "";
    case "spec.nodeName":
      return pod.spec?.nodeName ?? src.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "";
    case "status.hostIP":
      return src.hostIP ?? pod.status?.hostIP ?? "";
    case "status.hostIPs":
      return src.hostIP ?? pod.status?.hostIP ?? "";
    case "status.podIP":
      return src.podIP ?? pod.status?.podIP ?? "";
    case "status.podIPs":
      return (src.podIPs ?? (src.podIP ? [src.podIP] : [])).join(",");
    default:
      throw new ContainerConfigError(`unsupported fieldRef path "${path}"`);
  }
}

function resourceValue(
  container: Container,
  resource: string,
  divisor: string | undefined,
  src: EnvSources,
): string {
  const [kind, name] = resource.split(".") as [string, string];
  const set = kind === "limits" ? container.resources?.limits : container.resources?.requests;
  let q = set?.[name];
  if (q === undefined && kind === "limits" && src.nodeAllocatable) {
    q = name === "cpu" ? `${src.nodeAllocatable.cpuMillis}m` : String(src.nodeAllocatable.memoryBytes);
  }
  if (name === "cpu") {
    const m = q === undefined ? 0 : Number(quantityToMillis(q));
    const d = Number(quantityToMillis(divisor ?? "1"));
    // kube's ExtractContainerResourceValue rounds CPU up to the divisor.
    return String(Math.ceil(m / d));
  }
  const b = q === undefined ? 0 : Number(quantityToBytes(q));
  const d = Number(quantityToBytes(divisor ?? "1"));
  return String(Math.ceil(b / d));
}

function keyOf(
  kind: "ConfigMap" | "Secret",
  data: Record<string, string> | undefined,
  ref: { name?: string; key: string; optional?: boolean },
  ns: string,
): string | undefined {
  if (!data) {
    if (ref.optional) return undefined;
    throw new ContainerConfigError(`${kind.toLowerCase()} "${ref.name}" not found`);
  }
  const v = data[ref.key];
  if (v === undefined && !ref.optional) {
    throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name}`);
  }
  return v;
}

export function makeEnvironmentVariables(
  pod: Pod,
  container: Container,
  src: EnvSources,
): { name: string; value: string }[] {
  const ns = pod.metadata?.namespace ?? "default";
  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const cm = from.configMapRef;
    const sec = from.secretRef;
    const kind = cm ? "ConfigMap" : "Secret";
    const ref = cm ?? sec;
    if (!ref) continue;
    const data = cm ? src.configMap?.(ref.name ?? "") : src.secret?.(ref.name ?? "");
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${kind.toLowerCase()} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) {
      const name = (from.prefix ?? "") + k;
      if (envVarName.test(name)) env.set(name, v);
    }
  }
  const mapping = mappingFor(env);
  for (const e of container.env ?? ([] as EnvVar[])) {
    let value: string | undefined;
    if (e.value !== undefined) value = expand(e.value, mapping);
    else if (e.valueFrom?.fieldRef) value = fieldValue(pod, e.valueFrom.fieldRef.fieldPath, src);
    else if (e.valueFrom?.resourceFieldRef) {
      const r = e.valueFrom.resourceFieldRef;
      value = resourceValue(container, r.resource, r.divisor as string | undefined, src);
    } else if (e.valueFrom?.configMapKeyRef) {
      value = keyOf(
        "ConfigMap",
        src.configMap?.(e.valueFrom.configMapKeyRef.name ?? ""),
        e.valueFrom.configMapKeyRef,
        ns,
      );
      if (value === undefined) continue;
    } else if (e.valueFrom?.secretKeyRef) {
      value = keyOf(
        "Secret",
        src.secret?.(e.valueFrom.secretKeyRef.name ?? ""),
        e.valueFrom.secretKeyRef,
        ns,
      );
      if (value === undefined) continue;
    } else value = "";
    env.set(e.name, value);
  }
  return [...env].map(([name, value]) => ({ name, value }));
}
