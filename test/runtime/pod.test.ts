// The chapter's pod at the runtime level, with real runc, conmon, catatonit and CNI, as root:
// containers of one sandbox share its network namespace (one IP, localhost between them) and its
// hostname; sandboxes get their own IPs; removal leaves nothing behind.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { test } from "node:test";
import { mountPoints } from "../../src/runtime/oci/mounts.js";
import { BUSYBOX, eventually, NGINX, newTestRuntime } from "./helpers.js";
import { allocations } from "./net.js";

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: "/", timeout: 3000, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("timeout", () => req.destroy(new Error(`timeout connecting to ${host}:${port}`)));
    req.on("error", reject);
  });
}

const eth0Inet = (ipOutput: string) => /inet (\d+\.\d+\.\d+\.\d+\/\d+)/.exec(ipOutput)?.[1];

test("nginx and a busybox main container share the pod's IP, localhost and hostname", async (t) => {
  const tr = await newTestRuntime(t, { network: true });
  const rt = tr.runtime;
  const sb = await rt.runPodSandbox(tr.sandboxConfig("web"));
  const sandbox = await rt.podSandboxStatus(sb);
  assert.equal(sandbox.state, "SANDBOX_READY");
  const podIP = sandbox.network?.ip;
  assert.ok(podIP?.startsWith(tr.net!.cfg.podCIDR.replace(/0\/24$/, "")), `pod IP ${podIP}`);

  // busybox's `ip` bind-mounted into nginx (a Debian minbase without iproute2), as a hostPath volume.
  const nginx = await rt.createContainer(
    sb,
    tr.containerConfig("nginx", NGINX, {
      mounts: [{ hostPath: "/bin/busybox", containerPath: "/kite/busybox", readonly: true }],
    }),
  );
  const main = await rt.createContainer(
    sb,
    tr.containerConfig("main", BUSYBOX, { command: ["sleep", "3600"] }),
  );
  await rt.startContainer(nginx);
  await rt.startContainer(main);
  for (const id of [nginx, main]) assert.equal((await rt.containerStatus(id)).state, "CONTAINER_RUNNING");

  const page = await eventually("nginx answering on localhost", async () => {
    const r = await rt.execSync(main, ["wget", "-qO-", "http://localhost/"], 5);
    return r.exitCode === 0 ? r.stdout : undefined;
  });
  assert.match(page, /Welcome to nginx!/);

  const inMain = await rt.execSync(main, ["ip", "a", "show", "eth0"], 5);
  const inNginx = await rt.execSync(nginx, ["/kite/busybox", "ip", "a", "show", "eth0"], 5);
  assert.equal(inMain.exitCode, 0, inMain.stderr);
  assert.equal(inNginx.exitCode, 0, inNginx.stderr);
  assert.equal(eth0Inet(inMain.stdout), `${podIP}/24`);
  assert.equal(eth0Inet(inNginx.stdout), `${podIP}/24`);

  assert.match(await httpGet(podIP!, 80), /Welcome to nginx!/);
  assert.equal((await rt.execSync(main, ["hostname"], 5)).stdout.trim(), "web");
  assert.equal((await rt.execSync(nginx, ["/kite/busybox", "hostname"], 5)).stdout.trim(), "web");
  // The kubelet's /etc/hosts: the pod IP names the pod.
  assert.match(
    (await rt.execSync(main, ["cat", "/etc/hosts"], 5)).stdout,
    new RegExp(`^${podIP}\\tweb$`, "m"),
  );
  assert.match(
    (await rt.execSync(main, ["cat", "/etc/resolv.conf"], 5)).stdout,
    /^nameserver 10\.43\.0\.10$/m,
  );

  // Logs land in the CRI layout: <logDirectory>/<container>/<restartCount>.log.
  const logPath = (await rt.containerStatus(nginx)).logPath;
  assert.ok(logPath.endsWith(`default_web_${sandbox.metadata.uid}/nginx/0.log`), logPath);
  assert.ok(fs.existsSync(logPath));
});

test("two sandboxes get different IPs; removal leaves no veth, mount, netns, cgroup or IP allocation", async (t) => {
  const tr = await newTestRuntime(t, { network: true });
  const rt = tr.runtime;
  const net = tr.net!;
  const a = await rt.runPodSandbox(tr.sandboxConfig("a"));
  const b = await rt.runPodSandbox(tr.sandboxConfig("b"));
  const ipA = (await rt.podSandboxStatus(a)).network?.ip;
  const ipB = (await rt.podSandboxStatus(b)).network?.ip;
  const subnet = net.cfg.podCIDR.replace(/0\/24$/, "");
  assert.ok(ipA?.startsWith(subnet) && ipB?.startsWith(subnet), `${ipA} ${ipB} in ${net.cfg.podCIDR}`);
  assert.notEqual(ipA, ipB);
  const ca = await rt.createContainer(a, tr.containerConfig("c", BUSYBOX, { command: ["sleep", "3600"] }));
  await rt.startContainer(ca);
  // Pods reach each other over the bridge.
  const ping = await rt.execSync(ca, ["ping", "-c", "1", "-W", "2", ipB!], 10);
  assert.equal(ping.exitCode, 0, ping.stdout + ping.stderr);

  const brif = `/sys/class/net/${net.cfg.bridge}/brif`;
  assert.equal(fs.readdirSync(brif).length, 2, "one veth per pod on the bridge");
  assert.equal(allocations(net).length, 2);
  assert.equal(fs.readdirSync(net.netnsDir).length, 2);

  await rt.stopPodSandbox(a);
  assert.equal((await rt.podSandboxStatus(a)).state, "SANDBOX_NOTREADY");
  assert.equal((await rt.containerStatus(ca)).state, "CONTAINER_EXITED");
  await rt.removePodSandbox(a);
  await rt.removePodSandbox(b);
  await rt.removePodSandbox(b); // idempotent

  assert.deepEqual(await rt.listPodSandbox(), []);
  assert.deepEqual(await rt.listContainers(), []);
  assert.deepEqual(fs.readdirSync(brif), [], "veths left on the bridge");
  assert.deepEqual(allocations(net), [], "IP allocations left");
  assert.deepEqual(fs.readdirSync(net.netnsDir), [], "netns left");
  assert.deepEqual(
    mountPoints().filter((m) => m.startsWith(tr.rootDir) || m.startsWith(net.netnsDir + "/")),
    [],
    "mounts left",
  );
  for (const ctrl of ["memory", "cpu", "pids"]) {
    const dir = join("/sys/fs/cgroup", ctrl, tr.cgroupParent);
    assert.deepEqual(
      fs.existsSync(dir) ? fs.readdirSync(dir).filter((e) => e.startsWith("pod")) : [],
      [],
      `${ctrl} cgroups left`,
    );
  }
});
