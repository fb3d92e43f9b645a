// The CNI pod network with the real plugins (Debian's containernetworking-plugins), as root. Each
// test has its own bridge, pod CIDR, namespaces and state dir (helpers.ts) and checks at cleanup
// that no link, mount, route or nat rule of it is left. Traffic goes only to 127.0.0.1 and to
// addresses on the test's own bridge.
import assert from "node:assert/strict";
import fs from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CniError, newCniNetwork } from "../../src/network/cni.js";
import { removeNetns } from "../../src/network/netns.js";
import {
  addrsIn,
  allocations,
  freeLoopbackPort,
  httpGet,
  httpGetFrom,
  linkExists,
  natRules,
  newTestNet,
  sh,
  startHttpd,
} from "./helpers.js";

function ms(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

test("setUp gives eth0 an IP in the pod CIDR behind the bridge gateway, lo up; host and another pod reach it", async (t) => {
  const tn = await newTestNet(t);
  const a = await tn.sandbox("a");
  const b = await tn.sandbox("b");
  let start = performance.now();
  const sa = await tn.plugin.setUpPod(a);
  const setUpMs = [ms(start)];
  start = performance.now();
  const sb = await tn.plugin.setUpPod(b);
  setUpMs.push(ms(start));

  const subnet = tn.cfg.podCIDR.replace(/\.0\/24$/, ".");
  assert.equal(sa.gateway, `${subnet}1`);
  assert.equal(sa.prefixLength, 24);
  assert.equal(sa.bridge, tn.cfg.bridge);
  assert.ok(sa.ip.startsWith(subnet) && sa.ip !== sa.gateway, sa.ip);
  assert.ok(sb.ip.startsWith(subnet));
  assert.notEqual(sa.ip, sb.ip);

  // Inside: eth0 has the address, lo is up with 127.0.0.1, the default route goes to the gateway.
  const addrs = await addrsIn(a.netnsPath);
  const eth0 = addrs.find((i) => i.ifname === "eth0");
  assert.deepEqual(
    eth0?.addr_info.filter((x) => x.family === "inet").map((x) => `${x.local}/${x.prefixlen}`),
    [`${sa.ip}/24`],
  );
  const lo = addrs.find((i) => i.ifname === "lo");
  assert.ok(lo?.flags.includes("UP"), JSON.stringify(lo));
  assert.ok(lo?.addr_info.some((x) => x.local === "127.0.0.1"));
  const routes = JSON.parse(
    await sh("nsenter", [`--net=${a.netnsPath}`, "ip", "-j", "route", "show", "default"]),
  );
  assert.equal(routes[0]?.gateway, sa.gateway);

  // On the host: the bridge holds the gateway address, the pod's veth is one of its ports.
  const br = JSON.parse(await sh("ip", ["-j", "addr", "show", "dev", tn.cfg.bridge]));
  assert.ok(br[0].addr_info.some((x: { local: string }) => x.local === sa.gateway));
  const ports = JSON.parse(await sh("ip", ["-j", "link", "show", "master", tn.cfg.bridge])) as {
    ifname: string;
  }[];
  assert.deepEqual(ports.map((p) => p.ifname).sort(), [sa.hostVeth, sb.hostVeth].sort());

  const clientsOfA = await startHttpd(tn, a.netnsPath, 8080, "hello from a\n");
  await startHttpd(tn, b.netnsPath, 8080, "hello from b\n");
  assert.equal(await httpGet(sa.ip, 8080), "hello from a\n");
  assert.equal(await httpGetFrom(b.netnsPath, sa.ip, 8080), "hello from a\n");
  // Host and pods are seen with their own addresses: nothing inside the cluster is masqueraded.
  assert.deepEqual(await clientsOfA(2), [sa.gateway, sb.ip]);
  assert.equal(await httpGetFrom(a.netnsPath, sb.ip, 8080), "hello from b\n");
  // A pod reaches itself on localhost too.
  assert.equal(await httpGetFrom(a.netnsPath, "127.0.0.1", 8080), "hello from a\n");

  // setUp again for the same sandbox is the same answer, not a second IP.
  assert.deepEqual(await tn.plugin.setUpPod(a), sa);
  assert.equal(allocations(tn).length, 2);

  const tearDownMs: number[] = [];
  for (const req of [a, b]) {
    start = performance.now();
    await tn.plugin.tearDownPod(req);
    tearDownMs.push(ms(start));
  }
  t.diagnostic(`setUp (loopback+bridge) ms: ${setUpMs.join(", ")}; tearDown ms: ${tearDownMs.join(", ")}`);
  assert.deepEqual(allocations(tn), []);
  assert.equal(await linkExists(sa.hostVeth!), false);
  await assert.rejects(httpGet(sa.ip, 8080, 500));
});

test("tearDown removes the veth and releases the IP, twice is fine, and so is a namespace already gone", async (t) => {
  const tn = await newTestNet(t);
  const a = await tn.sandbox("a");
  const sa = await tn.plugin.setUpPod(a);

  await tn.plugin.tearDownPod(a);
  assert.equal(await linkExists(sa.hostVeth!), false);
  assert.equal(await tn.plugin.podStatus(a.sandboxId), undefined);
  await tn.plugin.tearDownPod(a);

  // The runtime removed the namespace first (or it died with a crash): the IP must go anyway.
  const b = await tn.sandbox("b");
  const sb = await tn.plugin.setUpPod(b);
  await removeNetns(b.netnsPath);
  await tn.plugin.tearDownPod(b);
  assert.deepEqual(allocations(tn), []);
  assert.equal(await linkExists(sb.hostVeth!), false);
  const after = await natRules();
  assert.ok(!after.includes(`${sb.ip}/32`), after);
  assert.ok(!after.includes(b.sandboxId), after);
  await tn.plugin.tearDownPod(b);
});

test("a released IP is handed out again; an exhausted pool fails with host-local's message and leaks nothing", async (t) => {
  // A /30 has exactly one pod address (.2; .1 is the gateway), so reuse is immediate and visible.
  const tn = await newTestNet(t, { prefix: 30 });
  const a = await tn.sandbox("a");
  const sa = await tn.plugin.setUpPod(a);
  assert.ok(sa.ip.endsWith(".2"), sa.ip);

  const b = await tn.sandbox("b");
  const err = await tn.plugin.setUpPod(b).then(
    () => assert.fail("second sandbox got an address from a one-address pool"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof CniError, String(err));
  assert.equal(err.plugin, "bridge");
  assert.equal(err.command, "ADD");
  assert.match(err.msg, /no IP addresses available in range set/);
  assert.match(err.message, /^plugin type="bridge" failed \(add\): /);
  // The failed ADD was undone: no veth of b on the bridge, no cache, a's allocation untouched.
  const ports = JSON.parse(await sh("ip", ["-j", "link", "show", "master", tn.cfg.bridge])) as {
    ifname: string;
  }[];
  assert.deepEqual(
    ports.map((p) => p.ifname),
    [sa.hostVeth],
  );
  assert.equal(await tn.plugin.podStatus(b.sandboxId), undefined);
  assert.deepEqual(allocations(tn), [sa.ip]);

  await tn.plugin.tearDownPod(a);
  const c = await tn.sandbox("c");
  const sc = await tn.plugin.setUpPod(c);
  assert.equal(sc.ip, sa.ip);
  await tn.plugin.tearDownPod(c);
});

test("after a kite restart a new plugin over the same state dir reports the sandbox and tears it down", async (t) => {
  const tn = await newTestNet(t);
  const a = await tn.sandbox("a");
  const sa = await tn.plugin.setUpPod({
    ...a,
    portMappings: [
      { containerPort: 8080, hostPort: await freeLoopbackPort(), protocol: "TCP", hostIP: "127.0.0.1" },
    ],
  });

  const restarted = newCniNetwork(tn.cfg);
  assert.deepEqual(await restarted.podStatus(a.sandboxId), sa);
  assert.equal(await restarted.podStatus("never-set-up"), undefined);
  // The runtime's teardown request carries no port mappings; the cached ADD does.
  await restarted.tearDownPod({ ...a });
  assert.equal(await restarted.podStatus(a.sandboxId), undefined);
  assert.deepEqual(allocations(tn), []);
  assert.equal(await linkExists(sa.hostVeth!), false);
  assert.ok(!(await natRules()).includes(a.sandboxId));
});

test("garbageCollect releases leaked sandboxes (with and without a cached result) and leaves live ones alone", async (t) => {
  const tn = await newTestNet(t);
  const live = await tn.sandbox("live");
  const cached = await tn.sandbox("cached");
  const uncached = await tn.sandbox("uncached");
  const sLive = await tn.plugin.setUpPod({
    ...live,
    portMappings: [
      { containerPort: 8080, hostPort: await freeLoopbackPort(), protocol: "TCP", hostIP: "127.0.0.1" },
    ],
  });
  const sCached = await tn.plugin.setUpPod(cached);
  const sUncached = await tn.plugin.setUpPod({
    ...uncached,
    portMappings: [
      { containerPort: 8080, hostPort: await freeLoopbackPort(), protocol: "TCP", hostIP: "127.0.0.1" },
    ],
  });
  // "uncached": kite died between the plugins' ADD and writing its cache, and the runtime removed
  // the namespace since. Left: the IP allocation and portmap's rules.
  fs.rmSync(join(tn.cfg.stateDir, "results", `${uncached.sandboxId}.json`));
  await removeNetns(uncached.netnsPath);
  assert.equal(allocations(tn).length, 3);
  assert.ok((await natRules()).includes(uncached.sandboxId));

  const restarted = newCniNetwork(tn.cfg);
  const start = performance.now();
  const collected = await restarted.garbageCollect(new Set([live.sandboxId]));
  t.diagnostic(`garbageCollect of 2 sandboxes: ${ms(start)} ms`);
  assert.deepEqual(collected, [cached.sandboxId, uncached.sandboxId].sort());
  assert.deepEqual(allocations(tn), [sLive.ip]);
  assert.equal(await linkExists(sCached.hostVeth!), false);
  assert.equal(await linkExists(sUncached.hostVeth!), false);
  const rules = await natRules();
  assert.ok(!rules.includes(cached.sandboxId) && !rules.includes(uncached.sandboxId), rules);
  assert.ok(rules.includes(live.sandboxId));

  // The live one still works and a second collection finds nothing.
  assert.deepEqual(await restarted.garbageCollect(new Set([live.sandboxId])), []);
  await startHttpd(tn, live.netnsPath, 8080, "still here\n");
  assert.equal(await httpGet(sLive.ip, 8080), "still here\n");
  await restarted.tearDownPod(live);
});

test("hostPort on 127.0.0.1 reaches the pod through portmap, and its rules are gone after tearDown", async (t) => {
  const tn = await newTestNet(t);
  const hostPort = await freeLoopbackPort();
  const a = await tn.sandbox("web");
  const req = {
    ...a,
    portMappings: [{ containerPort: 8080, hostPort, protocol: "TCP" as const, hostIP: "127.0.0.1" }],
  };
  const setUpMs: number[] = [];
  let start = performance.now();
  const sa = await tn.plugin.setUpPod(req);
  setUpMs.push(ms(start));
  await startHttpd(tn, a.netnsPath, 8080, "via hostPort\n");

  const rules = await natRules();
  assert.match(rules, new RegExp(`-A CNI-HOSTPORT-DNAT .*--dports ${hostPort} `));
  assert.ok(rules.includes(`--to-destination ${sa.ip}:8080`), rules);
  // portmap lets 127.0.0.1 cross onto the bridge (and masquerades it to the gateway address).
  const localnet = fs.readFileSync(`/proc/sys/net/ipv4/conf/${tn.cfg.bridge}/route_localnet`, "utf8").trim();
  assert.equal(localnet, "1");
  assert.equal(await httpGet("127.0.0.1", hostPort), "via hostPort\n");

  start = performance.now();
  await tn.plugin.tearDownPod(req);
  const tearDownMs = [ms(start)];
  const after = await natRules();
  assert.ok(!after.includes(`${hostPort}`) && !after.includes(sa.ip), after);
  await assert.rejects(httpGet("127.0.0.1", hostPort, 500));

  // A few more rounds for the timing: setUp with a hostPort, tearDown.
  for (let i = 0; i < 4; i++) {
    const s = await tn.sandbox(`web${i}`);
    const r = { ...s, portMappings: [{ containerPort: 8080, hostPort, protocol: "TCP" as const }] };
    start = performance.now();
    await tn.plugin.setUpPod(r);
    setUpMs.push(ms(start));
    start = performance.now();
    await tn.plugin.tearDownPod(r);
    tearDownMs.push(ms(start));
    await removeNetns(s.netnsPath);
  }
  t.diagnostic(
    `setUp (loopback+bridge+portmap) median ${median(setUpMs)} ms [${setUpMs.join(", ")}]; ` +
      `tearDown median ${median(tearDownMs)} ms [${tearDownMs.join(", ")}]`,
  );
});

test("pod egress leaving the cluster CIDR is masqueraded by one rule set per network, pod-to-pod is not", async (t) => {
  const tn = await newTestNet(t);
  const a = await tn.sandbox("a");
  await tn.plugin.setUpPod(a);
  const chain = `KITE-MASQ-${tn.cfg.bridge}`;
  const rules = await natRules();
  assert.ok(rules.includes(`-A POSTROUTING -s ${tn.cfg.podCIDR} -m comment`), rules);
  assert.ok(rules.includes(`-A ${chain} -d ${tn.cfg.clusterCIDR} -j RETURN`), rules);
  assert.ok(rules.includes(`-A ${chain} -j MASQUERADE`), rules);
  // No per-pod rules: the bridge plugin's ipMasq is off.
  assert.ok(!rules.includes(a.sandboxId), rules);

  // A stand-in for "outside": a namespace of this test behind a veth pair with the host, in
  // 198.18.<x>.0/30 (the benchmarking range), that has no route back to the pods. Only
  // masqueraded traffic gets a reply.
  const outside = await tn.sandbox("outside");
  const hostEnd = `ko${tn.cfg.bridge.slice(2)}`;
  const x = tn.cfg.podCIDR.split(".")[2];
  await sh("ip", [
    "link",
    "add",
    hostEnd,
    "type",
    "veth",
    "peer",
    "name",
    "eth0",
    "netns",
    outside.netnsPath,
  ]);
  await sh("ip", ["addr", "add", `198.18.${x}.1/30`, "dev", hostEnd]);
  await sh("ip", ["link", "set", hostEnd, "up"]);
  const inOutside = (args: string[]) => sh("nsenter", [`--net=${outside.netnsPath}`, "ip", ...args]);
  await inOutside(["addr", "add", `198.18.${x}.2/30`, "dev", "eth0"]);
  await inOutside(["link", "set", "eth0", "up"]);
  const clients = await startHttpd(tn, outside.netnsPath, 8080, "outside\n");

  // The bridge plugin (isGateway) turned on forwarding; kite's rule rewrote the source.
  assert.equal(fs.readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim(), "1");
  assert.equal(await httpGetFrom(a.netnsPath, `198.18.${x}.2`, 8080), "outside\n");
  assert.deepEqual(await clients(1), [`198.18.${x}.1`]);

  // A second plugin instance (a kite restart) repairs rather than duplicates the rules.
  await newCniNetwork(tn.cfg).garbageCollect(new Set([a.sandboxId]));
  const again = (await natRules()).split("\n");
  assert.equal(again.filter((l) => l.startsWith("-A POSTROUTING") && l.includes(chain)).length, 1);
  assert.equal(again.filter((l) => l.startsWith(`-A ${chain} `)).length, 3);
  await tn.plugin.tearDownPod(a);
});
