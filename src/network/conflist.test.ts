import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  buildNetworkList,
  cniArgs,
  cniChainName,
  defaultNetworkConfig,
  loopbackNetwork,
  parseResult,
  pluginStdin,
  statusFromResult,
  toCniPortMappings,
  validateNetworkConfig,
} from "./conflist.js";

// A real ADD result of bridge 1.1.1 on this machine.
const bridgeResult = {
  cniVersion: "1.0.0",
  interfaces: [
    { name: "ktexp1", mac: "1e:ab:cf:6e:88:9d" },
    { name: "veth8be2c302", mac: "96:a5:cc:67:76:b3" },
    { name: "eth0", mac: "46:f2:34:aa:50:c1", sandbox: "/tmp/cniexp.dFEi/ns" },
  ],
  ips: [{ interface: 2, address: "10.42.231.2/24", gateway: "10.42.231.1" }],
  routes: [{ dst: "0.0.0.0/0" }],
  dns: {},
};

describe("network config list", () => {
  it("is bridge with host-local IPAM in the pod CIDR, then portmap", () => {
    const list = buildNetworkList({ ...defaultNetworkConfig("/var/lib/kite/cni"), mtu: 1450 }, "/d/ipam");
    assert.equal(list.cniVersion, "1.0.0");
    assert.equal(list.name, "kite0");
    assert.deepEqual(
      list.plugins.map((p) => p.type),
      ["bridge", "portmap"],
    );
    assert.deepEqual(list.plugins[0], {
      type: "bridge",
      bridge: "kite0",
      isGateway: true,
      ipMasq: false,
      hairpinMode: true,
      mtu: 1450,
      ipam: {
        type: "host-local",
        ranges: [[{ subnet: "10.42.0.0/24" }]],
        routes: [{ dst: "0.0.0.0/0" }],
        dataDir: "/d/ipam",
      },
    });
    assert.deepEqual(list.plugins[1]?.capabilities, { portMappings: true });
  });

  it("rejects a pod CIDR outside the cluster CIDR, bad bridge names and bad CIDRs", () => {
    assert.deepEqual(validateNetworkConfig(defaultNetworkConfig("/x")), []);
    const errs = validateNetworkConfig({
      ...defaultNetworkConfig("/x"),
      bridge: "a-bridge-name-too-long",
      podCIDR: "10.43.0.0/24",
    });
    assert.deepEqual(errs, [
      'invalid bridge name "a-bridge-name-too-long"',
      "pod CIDR 10.43.0.0/24 is not inside the cluster CIDR 10.42.0.0/16",
    ]);
    assert.deepEqual(validateNetworkConfig({ ...defaultNetworkConfig("/x"), podCIDR: "10.42.0.1/24" }), [
      'invalid pod CIDR "10.42.0.1/24"',
    ]);
    assert.deepEqual(validateNetworkConfig({ ...defaultNetworkConfig("/x"), clusterCIDR: "10.42.0.0/33" }), [
      'invalid cluster CIDR "10.42.0.0/33"',
    ]);
  });
});

describe("plugin stdin", () => {
  const list = buildNetworkList(defaultNetworkConfig("/x"), "/x/ipam");
  const caps = { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] };

  it("carries the list's name and version, and runtimeConfig only for declared capabilities", () => {
    const bridge = pluginStdin(list, list.plugins[0]!, undefined, caps);
    assert.equal(bridge.name, "kite0");
    assert.equal(bridge.cniVersion, "1.0.0");
    assert.equal(bridge.runtimeConfig, undefined);
    assert.equal(bridge.prevResult, undefined);
    const portmap = pluginStdin(list, list.plugins[1]!, parseResult(bridgeResult), caps);
    assert.deepEqual(portmap.runtimeConfig, caps);
    assert.deepEqual(portmap.prevResult, bridgeResult);
    assert.equal(pluginStdin(list, list.plugins[1]!, undefined, {}).runtimeConfig, undefined);
  });

  it("loopback is a network of its own", () => {
    assert.deepEqual(pluginStdin(loopbackNetwork, loopbackNetwork.plugins[0]!, undefined, caps), {
      type: "loopback",
      cniVersion: "1.0.0",
      name: "cni-loopback",
    });
  });

  it("port mappings as the kubelet passes them: lower-case protocol, no host port means none", () => {
    assert.deepEqual(
      toCniPortMappings([
        { containerPort: 80, hostPort: 8080, protocol: "TCP" },
        { containerPort: 53, hostPort: 5353, protocol: "UDP", hostIP: "127.0.0.1" },
        { containerPort: 9090, hostPort: 0, protocol: "TCP" },
      ]),
      [
        { containerPort: 80, hostPort: 8080, protocol: "tcp" },
        { containerPort: 53, hostPort: 5353, protocol: "udp", hostIP: "127.0.0.1" },
      ],
    );
  });

  it("CNI_ARGS as the kubelet sends them", () => {
    assert.equal(
      cniArgs({ namespace: "default", name: "web", uid: "u-1", sandboxId: "abc" }),
      "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=u-1",
    );
    assert.throws(() => cniArgs({ namespace: "a;b", name: "web", uid: "u", sandboxId: "abc" }), /CNI_ARGS/);
  });
});

describe("result", () => {
  it("gives the pod IP, prefix, gateway and host veth", () => {
    assert.deepEqual(statusFromResult(parseResult(bridgeResult), "ktexp1"), {
      ip: "10.42.231.2",
      prefixLength: 24,
      gateway: "10.42.231.1",
      hostVeth: "veth8be2c302",
      bridge: "ktexp1",
    });
  });

  it("without an IPv4 address is an error", () => {
    assert.throws(
      () => statusFromResult(parseResult({ cniVersion: "1.0.0", ips: [] }), "b"),
      /no IPv4 address/,
    );
    assert.throws(() => parseResult({ ips: [] }), /without cniVersion/);
    assert.throws(() => parseResult({ cniVersion: "1.0.0", ips: [{}] }), /malformed ips/);
  });

  it("chain names match the plugins' (seen in iptables-save after bridge and portmap ADD)", () => {
    assert.equal(cniChainName("kite", "abc123"), "CNI-383fbbe0111c09fef277cccc");
    assert.equal(cniChainName("kite", "abc123", "DN-"), "CNI-DN-383fbbe0111c09fef277c");
  });
});
