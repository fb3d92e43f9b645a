// Pod start latency: a sandbox plus two containers (image present) until both run, over RUNS
// runs (default 50), for
//   kite             the oci runtime with the CNI bridge network (what a pod gets)
//   kite, no CNI     the same with a loopback-only netns (what the floor does)
//   bare runc        the floor: overlay mounts + `runc run -d` of the same pause and two
//                    containers (the same OCI specs kite generates), nothing else
//   runc + conmon    the same with conmon as each container's monitor (conmon → runc create,
//                    then runc start), which is what a container needs to outlive kite
//   podman           `podman pod create` + two `podman run -d --pod` of the same image
// in the same process, interleaved per run so drift on a shared machine hits all alike. Prints a
// Markdown table with median, p99 and ratios. Needs root, runc, conmon, catatonit, CNI plugins and
// (for the podman row) Debian's podman: see README.md.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { overlayLowerDirs } from "../../src/image/service.js";
import { openImageStore } from "../../src/image/store.js";
import { newCniNetwork } from "../../src/network/cni.js";
import { removeNetns } from "../../src/network/netns.js";
import type { NetworkConfig } from "../../src/network/plugin.js";
import { conmonCreate } from "../../src/runtime/oci/conmon.js";
import { mountOverlay, unmountIfMounted } from "../../src/runtime/oci/mounts.js";
import { ociCli } from "../../src/runtime/oci/oci-cli.js";
import { newOciRuntime, type OciRuntime } from "../../src/runtime/oci/oci-runtime.js";
import { containerSpec, pauseSpec } from "../../src/runtime/oci/spec.js";
import type { PodSandboxConfig } from "../../src/runtime/runtime.js";
import { ensureTestImages } from "../../test/support/registry.js";
import { privatePodman } from "../support/podman.js";

const execFileP = promisify(execFile);
const RUNS = Number(process.env.RUNS ?? 50);
const IMAGE = "docker.io/kite-bench/images:busybox";
const COMMAND = ["sleep", "3600"];

const work = fs.mkdtempSync(path.join(tmpdir(), "kite-bench-rt-"));
const cleanups: (() => Promise<void>)[] = [];

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

/** runc run -d with stdio on /dev/null: the container keeps no pipe of ours open. */
function runcDetached(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/sbin/runc", args, { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`runc ${args.join(" ")}: exit ${code}`)),
    );
  });
}

function sandboxConfig(name: string): PodSandboxConfig {
  const uid = `${name}-${randomBytes(4).toString("hex")}`;
  return {
    metadata: { name, namespace: "bench", uid, attempt: 0 },
    hostname: name,
    logDirectory: path.join(work, "logs", `bench_${name}_${uid}`),
    dnsConfig: { servers: ["10.43.0.10"], searches: [], options: [] },
  };
}

async function kiteRun(rt: OciRuntime, i: number): Promise<{ ms: number; teardown: () => Promise<void> }> {
  const start = performance.now();
  const sb = await rt.runPodSandbox(sandboxConfig(`p${i}`));
  for (const name of ["a", "b"]) {
    const c = await rt.createContainer(sb, {
      metadata: { name, attempt: 0 },
      image: IMAGE,
      command: COMMAND,
      logPath: `${name}/0.log`,
    });
    await rt.startContainer(c);
  }
  const ms = performance.now() - start;
  return { ms, teardown: () => rt.removePodSandbox(sb) };
}

async function main(): Promise<void> {
  const { ociLayout } = await ensureTestImages();
  const images = await openImageStore({ dataDir: path.join(work, "data") });
  const [image] = (await images.import(ociLayout, { baseName: "docker.io/kite-bench/images" })).filter((im) =>
    im.repoTags.includes(IMAGE),
  );
  if (!image) throw new Error("busybox not in the test layout");

  // kite, with a private CNI bridge network.
  const podCIDR = `10.42.${200 + (process.pid % 50)}.0/24`;
  const netCfg: NetworkConfig = {
    bridge: `kb${randomBytes(2).toString("hex")}`,
    clusterCIDR: "10.42.0.0/16",
    podCIDR,
    stateDir: path.join(work, "cni"),
    cniBinDir: "/usr/lib/cni",
  };
  const network = newCniNetwork(netCfg);
  const netnsDir = path.join(work, "netns");
  const cgroupParent = `kite-bench-${process.pid}`;
  const kite = newOciRuntime({ rootDir: path.join(work, "kite"), images, network, netnsDir, cgroupParent });
  const kiteLo = newOciRuntime({ rootDir: path.join(work, "kite-lo"), images, cgroupParent });
  cleanups.push(async () => {
    for (const rt of [kite, kiteLo])
      for (const s of await rt.listPodSandbox()) await rt.removePodSandbox(s.id);
    await network.garbageCollect(new Set()).catch(() => {});
    const real = fs.existsSync(netnsDir) ? fs.realpathSync(netnsDir) : netnsDir;
    for (const f of fs.existsSync(real) ? fs.readdirSync(real) : []) await removeNetns(path.join(real, f));
    await execFileP("umount", [real]).catch(() => {});
    const cni = (await import("../../src/network/cni.js")) as Record<string, unknown>;
    if (typeof cni.removeNetwork === "function")
      await (cni.removeNetwork as (c: NetworkConfig) => Promise<void>)(netCfg);
    else await execFileP("ip", ["link", "del", netCfg.bridge]).catch(() => {});
    for (const ctrl of fs.readdirSync("/sys/fs/cgroup")) {
      try {
        fs.rmdirSync(path.join("/sys/fs/cgroup", ctrl, cgroupParent));
      } catch {
        // absent
      }
    }
  });

  // The floor: the same specs, straight to runc.
  const floorRoot = path.join(work, "runc");
  const pauseRootfs = path.join(work, "pause-rootfs");
  for (const d of ["proc", "dev", "sys"]) fs.mkdirSync(path.join(pauseRootfs, d), { recursive: true });
  fs.writeFileSync(path.join(pauseRootfs, "catatonit"), "");
  const etc = path.join(work, "etc");
  fs.mkdirSync(etc, { recursive: true });
  for (const f of ["hosts", "resolv.conf", "hostname"]) fs.writeFileSync(path.join(etc, f), "\n");
  const floorCli = ociCli("runc", "/usr/sbin/runc", floorRoot);
  /** runc run -d, or (withConmon) conmon running runc create, then runc start: kite's way, bare. */
  async function launch(bundle: string, cid: string, withConmon: boolean): Promise<number> {
    const pidFile = path.join(bundle, "pidfile");
    if (!withConmon) {
      await runcDetached(["--root", floorRoot, "run", "-d", "--pid-file", pidFile, "-b", bundle, cid]);
      return Number(fs.readFileSync(pidFile, "utf8"));
    }
    const { pid } = await conmonCreate({
      id: cid,
      name: cid,
      paths: {
        dir: bundle,
        bundle,
        logPath: path.join(bundle, "ctr.log"),
        exitDir: path.join(work, "floor-exits"),
        socketDir: path.join(work, "s"),
      },
      cli: floorCli,
      conmonPath: "/usr/bin/conmon",
    });
    await floorCli.start(cid);
    return pid;
  }
  async function floorRun(
    i: number,
    withConmon: boolean,
  ): Promise<{ ms: number; teardown: () => Promise<void> }> {
    const id = `floor${withConmon ? "c" : ""}${i}`;
    const dir = path.join(work, "floor", id);
    const config = sandboxConfig(id);
    const start = performance.now();
    const pauseBundle = path.join(dir, "pause");
    fs.mkdirSync(pauseBundle, { recursive: true });
    const cg = `/${cgroupParent}/${id}`;
    fs.writeFileSync(
      path.join(pauseBundle, "config.json"),
      JSON.stringify(
        pauseSpec({
          config,
          rootfs: pauseRootfs,
          catatonit: "/usr/bin/catatonit",
          cgroupsPath: `${cg}/pause`,
        }),
      ),
    );
    const pausePid = await launch(pauseBundle, `${id}-pause`, withConmon);
    for (const name of ["a", "b"]) {
      const bundle = path.join(dir, name);
      const rootfs = path.join(bundle, "rootfs");
      await mountOverlay(
        rootfs,
        overlayLowerDirs(image!),
        path.join(bundle, "upper"),
        path.join(bundle, "work"),
      );
      const spec = containerSpec({
        config: { metadata: { name, attempt: 0 }, image: IMAGE, command: COMMAND, logPath: "x" },
        sandbox: config,
        pausePid,
        rootfs,
        user: { uid: 0, gid: 0, additionalGids: [] },
        image: { env: image!.config.Env },
        etcFiles: {
          hosts: path.join(etc, "hosts"),
          resolvConf: path.join(etc, "resolv.conf"),
          hostname: path.join(etc, "hostname"),
        },
        cgroupsPath: `${cg}/${name}`,
      });
      fs.writeFileSync(path.join(bundle, "config.json"), JSON.stringify(spec));
      await launch(bundle, `${id}-${name}`, withConmon);
    }
    const ms = performance.now() - start;
    return {
      ms,
      teardown: async () => {
        for (const c of ["a", "b", "pause"])
          await execFileP("runc", ["--root", floorRoot, "delete", "-f", `${id}-${c}`]);
        for (const c of ["a", "b"]) await unmountIfMounted(path.join(dir, c, "rootfs"));
        for (const ctrl of fs.readdirSync("/sys/fs/cgroup")) {
          for (const sub of ["a", "b", "pause", ""]) {
            try {
              fs.rmdirSync(path.join("/sys/fs/cgroup", ctrl, cg, sub));
            } catch {
              // absent
            }
          }
        }
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  // podman, with its own storage and the runc wrapper README.md explains.
  const podman = await podmanSetup(ociLayout);

  const results: Record<string, number[]> = {
    kite: [],
    "kite, no CNI": [],
    "bare runc (floor)": [],
    "runc + conmon": [],
    podman: [],
  };
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const [name, fn] of [
        ["kite", () => kiteRun(kite, i)],
        ["kite, no CNI", () => kiteRun(kiteLo, i)],
        ["bare runc (floor)", () => floorRun(i, false)],
        ["runc + conmon", () => floorRun(i, true)],
        ...(podman ? [["podman", () => podman.run(i)] as const] : []),
      ] as const) {
        const r = await fn();
        results[name]!.push(r.ms);
        await r.teardown();
      }
    }
  } finally {
    for (const c of cleanups.reverse()) await c().catch((err) => console.error("cleanup:", err));
    images.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const floor = quantile(results["bare runc (floor)"]!, 0.5);
  const pm = results.podman!.length > 0 ? quantile(results.podman!, 0.5) : undefined;
  console.log(`Sandbox + 2 busybox containers until both run, ${RUNS} runs each (ms):\n`);
  console.log("| | median | p99 | × floor | podman ÷ this |");
  console.log("|---|---:|---:|---:|---:|");
  for (const [name, xs] of Object.entries(results)) {
    if (xs.length === 0) {
      console.log(`| ${name} | n/a | n/a | | |`);
      continue;
    }
    const med = quantile(xs, 0.5);
    const p99 = quantile(xs, 0.99);
    console.log(
      `| ${name} | ${med.toFixed(1)} | ${p99.toFixed(1)} | ${(med / floor).toFixed(2)} | ${pm ? (pm / med).toFixed(2) : ""} |`,
    );
  }
  console.log(
    `\nOCI runtime: ${kite.ociRuntime}; podman: ${podman ? podman.version : "not installed (apt-get install -y podman)"}`,
  );
}

async function podmanSetup(
  ociLayout: string,
): Promise<
  { version: string; run(i: number): Promise<{ ms: number; teardown: () => Promise<void> }> } | undefined
> {
  const pm = privatePodman(work);
  if (!pm) return undefined;
  const podmanP = pm.run;
  const version = (await podmanP(["--version"])).stdout.trim();
  await podmanP(["pull", "-q", `oci:${ociLayout}:busybox`]);
  const imageId = (await podmanP(["images", "-q"])).stdout.trim().split("\n")[0]!;
  cleanups.push(() => pm.reset());
  return {
    version,
    async run(i) {
      const pod = `bench${i}`;
      const start = performance.now();
      await podmanP(["pod", "create", "--name", pod]);
      for (const name of ["a", "b"])
        await podmanP(["run", "-d", "--pod", pod, "--name", `${pod}-${name}`, imageId, ...COMMAND]);
      const ms = performance.now() - start;
      return { ms, teardown: async () => void (await podmanP(["pod", "rm", "-f", "-t", "0", pod])) };
    },
  };
}

await main();
