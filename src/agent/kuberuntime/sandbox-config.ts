// The kubelet's PodSandboxConfig for a pod (kuberuntime_sandbox.go generatePodSandboxConfig): the
// hostname, the log directory, DNS from the pod's dnsPolicy and dnsConfig, hostPort mappings,
// hostAliases, sysctls, host namespaces and the pod-level resource limits.

import type { Pod } from "kubernetes-types/core/v1.js";
import { quantityToBytes, quantityToMillis } from "../../api/quantity.js";
import type { DNSConfig, PodSandboxConfig, PortMapping } from "../../runtime/runtime.js";
import { milliCPUToQuota } from "./container-config.js";

export interface SandboxConfigOptions {
  /** Default /var/log/pods. */
  logRoot?: string;
  /** The kubelet's --cluster-dns; empty: ClusterFirst falls back to the node's resolv.conf, as the kubelet does. */
  clusterDNS?: string[];
  /** The kubelet's --cluster-domain, default cluster.local. */
  clusterDomain?: string;
  /** The node's hostname, for hostNetwork pods. */
  nodeHostname?: string;
  /** The node's resolv.conf search domains, appended after the cluster's as the kubelet does. */
  hostSearches?: string[];
}

/** kubelet's dns.Configurer.GetPodDNS; undefined means "the node's resolv.conf". */
export function podDNS(pod: Pod, opts: SandboxConfigOptions): DNSConfig | undefined {
  const spec = pod.spec ?? { containers: [] };
  const policy = spec.dnsPolicy ?? "ClusterFirst";
  const ns = pod.metadata?.namespace ?? "default";
  const domain = opts.clusterDomain ?? "cluster.local";
  let base: DNSConfig | undefined;
  const clusterFirst =
    (policy === "ClusterFirst" && !spec.hostNetwork) || policy === "ClusterFirstWithHostNet";
  if (policy === "None") base = { servers: [], searches: [], options: [] };
  else if (clusterFirst && (opts.clusterDNS ?? []).length > 0) {
    base = {
      servers: [...(opts.clusterDNS ?? [])],
      searches: [`${ns}.svc.${domain}`, `svc.${domain}`, domain, ...(opts.hostSearches ?? [])],
      options: ["ndots:5"],
    };
  }
  const extra = spec.dnsConfig;
  if (!extra) return base;
  const out = base ?? { servers: [], searches: [...(opts.hostSearches ?? [])], options: [] };
  out.servers.push(...(extra.nameservers ?? []));
  out.searches.push(...(extra.searches ?? []));
  // Options merge by name; a pod's value replaces the default's.
  const opt = new Map(out.options.map((o) => [o.split(":")[0]!, o]));
  for (const o of extra.options ?? [])
    opt.set(o.name ?? "", o.value !== undefined ? `${o.name}:${o.value}` : (o.name ?? ""));
  out.options = [...opt.values()];
  return out;
}

export function podSandboxConfig(
  pod: Pod,
  attempt: number,
  opts: SandboxConfigOptions = {},
): PodSandboxConfig {
  const spec = pod.spec ?? { containers: [] };
  const name = pod.metadata?.name ?? "";
  const namespace = pod.metadata?.namespace ?? "default";
  const uid = pod.metadata?.uid ?? "";
  const hostNetwork = spec.hostNetwork === true;
  // kubelet's GeneratePodHostNameAndDomain: spec.hostname, else the pod name cut to 63 characters.
  const hostname = hostNetwork
    ? (opts.nodeHostname ?? name)
    : (spec.hostname || name).slice(0, 63).replace(/[-.]+$/, "");
  const portMappings: PortMapping[] = [];
  for (const c of spec.containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      portMappings.push({
        protocol: (p.protocol ?? "TCP") as PortMapping["protocol"],
        containerPort: p.containerPort,
        hostPort: p.hostPort,
        ...(p.hostIP ? { hostIP: p.hostIP } : {}),
      });
    }
  }
  const config: PodSandboxConfig = {
    metadata: { name, namespace, uid, attempt },
    hostname,
    logDirectory: `${opts.logRoot ?? "/var/log/pods"}/${namespace}_${name}_${uid}`,
    portMappings,
    hostAliases: (spec.hostAliases ?? []).map((a) => ({ ip: a.ip ?? "", hostnames: a.hostnames ?? [] })),
    labels: {
      ...(pod.metadata?.labels ?? {}),
      "io.kubernetes.pod.name": name,
      "io.kubernetes.pod.namespace": namespace,
      "io.kubernetes.pod.uid": uid,
    },
    annotations: { ...(pod.metadata?.annotations ?? {}) },
    linux: {
      hostNetwork,
      hostPID: spec.hostPID === true,
      hostIPC: spec.hostIPC === true,
      shareProcessNamespace: spec.shareProcessNamespace === true,
      sysctls: Object.fromEntries((spec.securityContext?.sysctls ?? []).map((s) => [s.name, s.value])),
    },
  };
  const dns = podDNS(pod, opts);
  if (dns) config.dnsConfig = dns;
  if (spec.subdomain && !hostNetwork) {
    config.hostFQDN = `${hostname}.${spec.subdomain}.${namespace}.svc.${opts.clusterDomain ?? "cluster.local"}`;
  }
  // The pod cgroup is limited only when every container is (kubelet's ResourceConfigForPod).
  const limits = spec.containers.map((c) => c.resources?.limits ?? {});
  const resources: NonNullable<NonNullable<PodSandboxConfig["linux"]>["resources"]> = {};
  if (limits.length > 0 && limits.every((l) => l.memory !== undefined)) {
    resources.memoryLimitInBytes = limits.reduce((sum, l) => sum + Number(quantityToBytes(l.memory!)), 0);
  }
  if (limits.length > 0 && limits.every((l) => l.cpu !== undefined)) {
    resources.cpuQuota = milliCPUToQuota(
      limits.reduce((sum, l) => sum + Number(quantityToMillis(l.cpu!)), 0),
    );
    resources.cpuPeriod = 100_000;
  }
  if (Object.keys(resources).length > 0) config.linux!.resources = resources;
  return config;
}
