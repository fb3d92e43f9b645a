// Mistakes a new user makes: each gives one clear message saying what is wrong and what to do,
// and nothing already stored is lost.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type KiteServer, kiteBin, startKite } from "../support/kite.js";
import { kubectl } from "../support/kubectl.js";

let k: KiteServer;
const tmp = mkdtempSync(join(tmpdir(), "kite-usererr-"));
before(async () => {
  k = await startKite();
});
after(async () => {
  await k?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs `kite server` expecting it to fail; returns its exit code and stderr. */
function failingServer(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; uid?: number } = {},
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [kiteBin, "server", "--disable-agent", ...args], {
      env: opts.env ?? process.env,
      uid: opts.uid,
      gid: opts.uid,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`kite server did not fail: ${stderr}`));
    }, 15_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stderr });
    });
  });
}

test("kite started twice on the same port says so", async () => {
  const dir = join(tmp, "second");
  const r = await failingServer([
    "--data-dir",
    dir,
    "--https-listen-port",
    String(k.port),
    "--write-kubeconfig",
    join(dir, "kc.yaml"),
  ]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    new RegExp(`^kite server: 127\\.0\\.0\\.1:${k.port} is already in use .*--https-listen-port`, "m"),
  );
});

test("kite started twice on the same data dir says so, and the first keeps its data", async () => {
  const r = await failingServer([
    "--data-dir",
    k.dataDir,
    "--https-listen-port",
    "0",
    "--write-kubeconfig",
    join(tmp, "kc2.yaml"),
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /another kite \(pid \d+\) is already running with --data-dir/);
  assert.equal((await kubectl(k, "1.33", ["get", "ns", "default"])).code, 0);
});

test("kite without root, on a data dir it cannot write, names the fix", async () => {
  const r = await failingServer(
    [
      "--data-dir",
      "/var/lib/kite-not-mine",
      "--https-listen-port",
      "0",
      "--write-kubeconfig",
      "/tmp/kc-nobody.yaml",
    ],
    {
      uid: 65534,
    },
  );
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /cannot write \/var\/lib\/kite-not-mine\/server \(EACCES\): run kite as root .* or pass --data-dir a folder you can write/,
  );
});

test("kite without the Debian packages it needs names them", async () => {
  const dir = join(tmp, "nopkgs");
  const r = await failingServer(
    ["--data-dir", dir, "--https-listen-port", "0", "--write-kubeconfig", join(dir, "kc.yaml")],
    {
      env: { PATH: "/nonexistent" },
    },
  );
  assert.equal(r.code, 1);
  assert.match(r.stderr, /missing openssl \(Debian package openssl\): run \.\/scripts\/setup\.sh as root/);
});

test("a YAML file with a tab is refused by kubectl before anything reaches the server", async () => {
  const file = join(tmp, "tab.yaml");
  writeFileSync(
    file,
    "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: web-pod\nspec:\n  containers:\n  - name: web\n    image: nginx:alpine\n",
  );
  const r = await kubectl(k, "1.33", ["create", "-f", file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /yaml: line \d+: found (a tab character|character that cannot start any token)/);
  assert.match((await kubectl(k, "1.33", ["get", "pods"])).stderr, /No resources found/);
});

test("a pod named with capitals is Invalid with the naming rule", async () => {
  const r = await kubectl(k, "1.33", ["run", "WebPod", "--image=nginx:alpine"]);
  assert.equal(r.code, 1);
  // kubectl run names the container after the pod, so kube reports both, as a list.
  assert.match(
    r.stderr,
    /The Pod "WebPod" is invalid: \n\* metadata\.name: Invalid value: "WebPod": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters/,
  );
});
