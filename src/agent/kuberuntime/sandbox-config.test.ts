import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.js";
import { podDNS, podSandboxConfig } from "./sandbox-config.js";

const base: Pod = {
  metadata: { name: "web", namespace: "prod", uid: "u-1", labels: { app: "web" } },
  spec: {
    containers: [
      {
        name: "a",
        ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }],
        resources: { limits: { memory: "64Mi", cpu: "1" } },
      },
      { name: "b", resources: { limits: { memory: "32Mi" } } },
    ],
    hostAliases: [{ ip: "1.2.3.4", hostnames: ["foo", "bar"] }],
    subdomain: "sub",
    securityContext: { sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }] },
  },
};

test("the sandbox config of a pod: hostname, log dir, ports, aliases, sysctls, pod-level limits", () => {
  const c = podSandboxConfig(base, 1, { clusterDNS: ["10.43.0.10"], logRoot: "/logs" });
  assert.equal(c.hostname, "web");
  assert.equal(c.hostFQDN, "web.sub.prod.svc.cluster.local");
  assert.equal(c.logDirectory, "/logs/prod_web_u-1");
  assert.deepEqual(c.metadata, { name: "web", namespace: "prod", uid: "u-1", attempt: 1 });
  assert.deepEqual(c.portMappings, [{ protocol: "TCP", containerPort: 80, hostPort: 8080 }]);
  assert.deepEqual(c.hostAliases, [{ ip: "1.2.3.4", hostnames: ["foo", "bar"] }]);
  assert.deepEqual(c.linux?.sysctls, { "net.ipv4.ip_unprivileged_port_start": "0" });
  // Every container limits memory, not every one CPU: only memory is limited on the pod cgroup.
  assert.deepEqual(c.linux?.resources, { memoryLimitInBytes: 96 << 20 });
  assert.equal(c.labels?.app, "web");
});

test("dnsPolicy: ClusterFirst, Default, None with dnsConfig, hostNetwork", () => {
  const opts = { clusterDNS: ["10.43.0.10"], hostSearches: ["corp.example"] };
  assert.deepEqual(podDNS(base, opts), {
    servers: ["10.43.0.10"],
    searches: ["prod.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"],
    options: ["ndots:5"],
  });
  assert.equal(podDNS({ ...base, spec: { ...base.spec!, dnsPolicy: "Default" } }, opts), undefined);
  assert.equal(podDNS({ ...base, spec: { ...base.spec!, hostNetwork: true } }, opts), undefined);
  assert.equal(podDNS(base, {}), undefined, "no cluster DNS: the node's resolv.conf");
  assert.deepEqual(
    podDNS(
      {
        ...base,
        spec: {
          ...base.spec!,
          dnsPolicy: "None",
          dnsConfig: {
            nameservers: ["1.1.1.1"],
            searches: ["x.y"],
            options: [{ name: "ndots", value: "2" }, { name: "edns0" }],
          },
        },
      },
      opts,
    ),
    { servers: ["1.1.1.1"], searches: ["x.y"], options: ["ndots:2", "edns0"] },
  );
  const hostNet = podSandboxConfig({ ...base, spec: { ...base.spec!, hostNetwork: true } }, 0, {
    nodeHostname: "node-1",
  });
  assert.equal(hostNet.hostname, "node-1");
  assert.equal(hostNet.hostFQDN, undefined);
  assert.equal(hostNet.linux?.hostNetwork, true);
});
