// A private runtime per test: its own root dir, log dir, cgroup parent (kite-test-<random>) and,
// when asked, its own CNI network (bridge and pod CIDR, from test/network/helpers.ts). Images come
// from the cached test OCI layout (busybox, a Debian nginx), imported once per test process.
// Cleanup removes every sandbox through the runtime, then checks that no mount under the root, no
// cgroup under the parent and no conmon of this root is left.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImageService } from "../../src/image/service.js";
import { openImageStore } from "../../src/image/store.js";
import { hierarchies } from "../../src/runtime/oci/cgroups.js";
import { mountPoints } from "../../src/runtime/oci/mounts.js";
import { newOciRuntime, type OciRuntime } from "../../src/runtime/oci/oci-runtime.js";
import type { ContainerConfig, PodSandboxConfig } from "../../src/runtime/runtime.js";
import { ensureTestImages } from "../support/registry.js";
import { newTestNet, type TestNet } from "./net.js";

export const BUSYBOX = "docker.io/kite-test/images:busybox";
export const NGINX = "docker.io/kite-test/images:nginx";

interface AfterHook {
  after(fn: () => Promise<void> | void): void;
}

let shared: Promise<{ dataDir: string; images: ImageService }> | undefined;

/** One image store per test process, with the test images imported; removed at exit. */
export function testImages(): Promise<{ dataDir: string; images: ImageService }> {
  shared ??= (async () => {
    const { ociLayout } = await ensureTestImages();
    const dataDir = fs.mkdtempSync(join(tmpdir(), "kite-rt-images-"));
    process.on("exit", () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const images = await openImageStore({ dataDir });
    await images.import(ociLayout, { baseName: "docker.io/kite-test/images" });
    return { dataDir, images };
  })();
  return shared;
}

export interface TestRuntime {
  runtime: OciRuntime;
  rootDir: string;
  logDir: string;
  cgroupParent: string;
  net?: TestNet;
  sandboxConfig(name: string, extra?: Partial<PodSandboxConfig>): PodSandboxConfig;
  containerConfig(name: string, image: string, extra?: Partial<ContainerConfig>): ContainerConfig;
  /** Another instance over the same root, as a restarted kite would open it. */
  reopen(): OciRuntime;
}

function conmonsOf(rootDir: string): number[] {
  const out: number[] = [];
  for (const p of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
      if (cmd[0]?.endsWith("conmon") && cmd.some((a) => a.startsWith(rootDir))) out.push(Number(p));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function newTestRuntime(t: AfterHook, opts: { network?: boolean } = {}): Promise<TestRuntime> {
  const { images } = await testImages();
  const rootDir = fs.mkdtempSync(join(tmpdir(), "kite-rt-"));
  const logDir = join(rootDir, "pods-log");
  const cgroupParent = `kite-test-${randomBytes(4).toString("hex")}`;
  let net: TestNet | undefined;
  const make = () =>
    newOciRuntime({
      rootDir: join(rootDir, "state"),
      images,
      network: net?.plugin,
      netnsDir: net?.netnsDir,
      cgroupParent,
    });
  t.after(async () => {
    const rt = make();
    for (const s of await rt.listPodSandbox()) await rt.removePodSandbox(s.id);
    for (let i = 0; i < 100 && conmonsOf(rootDir).length > 0; i++) await sleep(20);
    const leftConmons = conmonsOf(rootDir);
    for (const pid of leftConmons) process.kill(pid, "SIGKILL");
    const leftMounts = mountPoints().filter((m) => m.startsWith(rootDir));
    const leftCgroups = hierarchies().filter(
      (h) =>
        fs.existsSync(join(h, cgroupParent, ".")) &&
        fs.readdirSync(join(h, cgroupParent)).some((e) => e.startsWith("pod")),
    );
    // The parent cgroup too; it may refuse rmdir (EBUSY) for a moment after its last pod went.
    for (let i = 0; i < 50; i++) {
      for (const h of hierarchies()) {
        try {
          fs.rmdirSync(join(h, cgroupParent));
        } catch {
          // not there, busy (retried) or (reported below) not empty
        }
      }
      if (!hierarchies().some((h) => fs.existsSync(join(h, cgroupParent)))) break;
      await sleep(20);
    }
    const leftParent = hierarchies().filter((h) => fs.existsSync(join(h, cgroupParent)));
    fs.rmSync(rootDir, { recursive: true, force: true });
    await net?.cleanup();
    assert.deepEqual(leftConmons, [], "conmon processes left");
    assert.deepEqual(leftMounts, [], "mounts left");
    assert.deepEqual(leftCgroups, [], "pod cgroups left");
    assert.deepEqual(leftParent, [], `cgroup ${cgroupParent} left`);
  });
  if (opts.network) net = await newTestNet();
  const runtime = make();
  let n = 0;
  return {
    runtime,
    rootDir,
    logDir,
    cgroupParent,
    net,
    reopen: make,
    sandboxConfig(name, extra = {}) {
      const uid = `${name}-${randomBytes(4).toString("hex")}-${++n}`;
      return {
        metadata: { name, namespace: "default", uid, attempt: 0 },
        hostname: name,
        logDirectory: join(logDir, `default_${name}_${uid}`),
        dnsConfig: { servers: ["10.43.0.10"], searches: ["default.svc.cluster.local"], options: ["ndots:5"] },
        ...extra,
      };
    },
    containerConfig(name, image, extra = {}) {
      return { metadata: { name, attempt: 0 }, image, logPath: `${name}/0.log`, ...extra };
    },
  };
}

/** Polls until fn returns a value that is not undefined. */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
    await sleep(25);
  }
}
