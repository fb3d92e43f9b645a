// Test images and a real registry for every suite that needs images (image store, runtime, agent).
//
// ensureTestImages() builds the busybox and nginx images from Debian packages with
// test/images/build-test-images.sh, once per version of that script: the result is cached under
// /var/cache/kite-test/images/<hash of the script>, built in a private directory and renamed into
// place under a lock file, so concurrent test processes neither corrupt nor duplicate it.
//
// startTestRegistry() runs Debian's docker-registry on 127.0.0.1 (a free port, a temporary
// storage dir), pushes the images with skopeo as docker.io/library/{busybox,alpine}:latest and
// docker.io/library/nginx:alpine, and writes a registries.yaml mirroring docker.io to it — so
// `nginx:alpine` resolves as it would for a user with an air-gapped mirror.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileP = promisify(execFile);

export const CACHE_ROOT = "/var/cache/kite-test/images";

export interface TestImages {
  /** OCI layout with tags `busybox` and `nginx`. */
  ociLayout: string;
  /** The mmdebstrap tarball the nginx image's rootfs was made from. */
  nginxRootfsTar: string;
}

/** The repository's root, from dist/test/support/ or test/support/. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
}

function buildScript(): string {
  return join(repoRoot(), "test", "images", "build-test-images.sh");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function ensureTestImages(): Promise<TestImages> {
  const script = buildScript();
  const hash = createHash("sha256").update(fs.readFileSync(script)).digest("hex").slice(0, 16);
  const final = join(CACHE_ROOT, hash);
  const result = { ociLayout: join(final, "oci"), nginxRootfsTar: join(final, "nginx-rootfs.tar") };
  if (fs.existsSync(final)) return result;
  fs.mkdirSync(CACHE_ROOT, { recursive: true });
  const lock = `${final}.lock`;
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    if (fs.existsSync(final)) return result;
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch {
      // Someone else is building; take over only if the holder died.
      const holder = Number(fs.readFileSync(lock, "utf8").trim() || "0");
      let alive = false;
      try {
        if (holder > 0) process.kill(holder, 0);
        alive = holder > 0;
      } catch {
        alive = false;
      }
      if (!alive) fs.rmSync(lock, { force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await sleep(500);
    }
  }
  try {
    if (fs.existsSync(final)) return result;
    const out = `${final}.build-${process.pid}`;
    fs.rmSync(out, { recursive: true, force: true });
    await execFileP(script, [out], { maxBuffer: 64 << 20 }).catch(
      (err: { stderr?: string; message: string }) => {
        throw new Error(`building test images failed: ${err.stderr || err.message}`);
      },
    );
    fs.renameSync(out, final);
    return result;
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => res(port));
    });
  });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`registry exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((r) => {
      const req = http.get(url, (res) => {
        res.resume();
        r(res.statusCode === 200);
      });
      req.on("error", () => r(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`registry at ${url} did not answer within ${timeoutMs} ms`);
}

export interface TestRegistry {
  port: number;
  /** `127.0.0.1:PORT` */
  host: string;
  /** A registries.yaml mirroring docker.io to this registry. */
  registriesYaml: string;
  images: TestImages;
  /** skopeo copy from the test layout's `tag` to `repo:tag` on this registry. */
  push(layoutTag: string, dest: string, extraArgs?: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function skopeoCopy(src: string, dest: string, extraArgs: string[] = []): Promise<void> {
  await execFileP("skopeo", ["--insecure-policy", "copy", "--quiet", ...extraArgs, src, dest], {
    maxBuffer: 16 << 20,
  }).catch((err: { stderr?: string; message: string }) => {
    throw new Error(`skopeo copy ${src} ${dest}: ${err.stderr || err.message}`);
  });
}

export interface StartRegistryOptions {
  /** Push the standard images (default true). */
  push?: boolean;
}

export async function startTestRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  const images = await ensureTestImages();
  const dir = fs.mkdtempSync(join(tmpdir(), "kite-registry-"));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, "config.yml");
  fs.writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "storage")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: ${host}`,
      "",
    ].join("\n"),
  );
  const child = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      // Its storage is thrown away, so there is nothing to drain: SIGKILL is the quick way down.
      child.kill("SIGKILL");
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`http://${host}/v2/`, child, 10_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}: ${stderr}`);
  }
  const registriesYaml = join(dir, "registries.yaml");
  fs.writeFileSync(registriesYaml, `mirrors:\n  docker.io:\n    endpoint:\n      - "http://${host}"\n`);
  const push = (layoutTag: string, dest: string, extraArgs: string[] = []) =>
    skopeoCopy(`oci:${images.ociLayout}:${layoutTag}`, `docker://${host}/${dest}`, [
      "--dest-tls-verify=false",
      ...extraArgs,
    ]);
  if (opts.push !== false) {
    try {
      await Promise.all([
        push("busybox", "library/busybox:latest"),
        push("busybox", "library/alpine:latest"),
        push("nginx", "library/nginx:alpine"),
      ]);
    } catch (err) {
      await stop();
      throw err;
    }
  }
  return { port, host, registriesYaml, images, push, stop };
}

export function repoPath(...parts: string[]): string {
  return resolve(repoRoot(), ...parts);
}
