// The per-pod /etc/hosts, /etc/resolv.conf and /etc/hostname, written once per sandbox and
// bind-mounted into each of its containers, in the format the kubelet writes them.

import type { DNSConfig, HostAlias } from "../runtime.js";

/** kubelet's managedHostsFileContent (pkg/kubelet/kubelet_pods.go). */
export function hostsFile(opts: {
  podIP?: string;
  hostname: string;
  hostFQDN?: string;
  hostAliases?: HostAlias[];
}): string {
  const lines = [
    "# Kubernetes-managed hosts file.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "fe00::0\tip6-mcastprefix",
    "fe00::1\tip6-allnodes",
    "fe00::2\tip6-allrouters",
  ];
  if (opts.podIP) {
    lines.push(
      opts.hostFQDN ? `${opts.podIP}\t${opts.hostFQDN}\t${opts.hostname}` : `${opts.podIP}\t${opts.hostname}`,
    );
  }
  if (opts.hostAliases && opts.hostAliases.length > 0) {
    lines.push("", "# Entries added by HostAliases.");
    for (const a of opts.hostAliases) lines.push(`${a.ip}\t${a.hostnames.join("\t")}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The pod's resolv.conf from its DNS config; the host's is used when the pod has none (dnsPolicy Default). */
export function resolvConf(dns: DNSConfig): string {
  const lines: string[] = [];
  if (dns.searches.length > 0) lines.push(`search ${dns.searches.join(" ")}`);
  for (const s of dns.servers) lines.push(`nameserver ${s}`);
  if (dns.options.length > 0) lines.push(`options ${dns.options.join(" ")}`);
  return `${lines.join("\n")}\n`;
}
