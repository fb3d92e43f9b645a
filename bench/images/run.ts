// Image store benchmark: `node dist/bench/images/run.js [runs]` (as root, after `npm run build`).
//
//  pull    `kite images pull nginx:alpine` into an empty store through the docker.io mirror
//          (Debian's docker-registry on 127.0.0.1), versus `skopeo copy docker://… oci:…` of the
//          same image from the same registry — skopeo only downloads, kite also unpacks.
//  unpack  applying the nginx layer blob to an empty snapshot dir, versus `tar -xzf` of it.
// Each is run `runs` times (default 5) alternating, and the median is reported.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createRegistryClient } from "../../src/image/distribution.js";
import { parseManifest } from "../../src/image/manifest.js";
import { parseRegistriesConfig, registryEndpoints } from "../../src/image/registries.js";
import { createTransport } from "../../src/image/transport.js";
import { applyLayer } from "../../src/image/unpack.js";
import { repoPath, startTestRegistry } from "../../test/support/registry.js";

const execFileP = promisify(execFile);
const runs = Number(process.argv[2] ?? 5);

// The test machines' ext4 is mounted with online discard: deleting a 180 MB tree makes the next
// writes crawl. So nothing is deleted until the end, and dirty pages are flushed before each timing.
async function time(fn: () => Promise<void>): Promise<number> {
  await execFileP("sync");
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const registry = await startTestRegistry();
const scratch = await fs.mkdtemp(join(tmpdir(), "kite-bench-images-"));
try {
  const cli = repoPath("dist", "test", "images", "cli-entry.js");
  const image = `${registry.host}/library/nginx:alpine`;
  const results = {
    kitePull: [] as number[],
    skopeo: [] as number[],
    kiteUnpack: [] as number[],
    tar: [] as number[],
    fetch: [] as number[],
  };

  const layout = registry.images.ociLayout;
  const index = JSON.parse(await fs.readFile(join(layout, "index.json"), "utf8")) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const nginx = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === "nginx");
  const parsed = parseManifest(
    await fs.readFile(join(layout, "blobs", (nginx?.digest ?? "").replace(":", "/"))),
    undefined,
    "nginx",
  );
  if (parsed.kind !== "manifest") throw new Error("nginx is not a single manifest");
  const layer = parsed.manifest.layers[0];
  if (!layer) throw new Error("nginx has no layer");
  const blob = join(layout, "blobs", layer.digest.replace(":", "/"));

  for (let i = 0; i < runs; i++) {
    const dataDir = join(scratch, `kite-${i}`);
    results.kitePull.push(
      await time(async () => {
        await execFileP(process.execPath, [
          cli,
          "images",
          "--data-dir",
          dataDir,
          "--private-registry",
          registry.registriesYaml,
          "pull",
          "nginx:alpine",
        ]);
      }),
    );
    const ociDir = join(scratch, `skopeo-${i}`);
    results.skopeo.push(
      await time(async () => {
        await execFileP("skopeo", [
          "--insecure-policy",
          "copy",
          "--quiet",
          "--src-tls-verify=false",
          `docker://${image}`,
          `oci:${ociDir}:nginx`,
        ]);
      }),
    );

    // kite's registry client alone (download + sha256 of the layer blob), to show where pull time goes.
    results.fetch.push(
      await time(async () => {
        const ep = registryEndpoints(parseRegistriesConfig(""), registry.host)[0];
        if (!ep) throw new Error("no endpoint");
        ep.url.protocol = "http:";
        const transport = createTransport();
        const client = createRegistryClient(ep, transport);
        const b = await client.getBlob("library/nginx", layer.digest);
        const h = createHash("sha256");
        for await (const c of b.body) h.update(c as Buffer);
        transport.close();
        if (`sha256:${h.digest("hex")}` !== layer.digest) throw new Error("digest mismatch");
      }),
    );
    const a = join(scratch, `unpack-kite-${i}`);
    await fs.mkdir(a);
    results.kiteUnpack.push(
      await time(async () => {
        await applyLayer(createReadStream(blob, { highWaterMark: 256 << 10 }), a, layer.digest);
      }),
    );
    const b = join(scratch, `unpack-tar-${i}`);
    await fs.mkdir(b);
    results.tar.push(
      await time(async () => {
        // umoci leaves the last member unpadded and without end-of-archive blocks: GNU tar extracts
        // everything, then exits 2 with "Unexpected EOF in archive". That is the full job done.
        await execFileP("tar", ["-xzf", blob, "-C", b]).catch((err: { stderr?: string }) => {
          if (!/Unexpected EOF in archive/.test(err.stderr ?? "")) throw err;
        });
      }),
    );
  }

  const row = (what: string, kite: number[], ref: number[], refName: string) => {
    const k = median(kite);
    const r = median(ref);
    return [what, `${k.toFixed(0)} ms`, refName, `${r.toFixed(0)} ms`, (k / r).toFixed(2)];
  };
  const rows = [
    ["measure", "kite", "reference", "reference time", "ratio kite/ref"],
    row(
      `pull nginx:alpine (${(layer.size / 1e6).toFixed(1)} MB gzip)`,
      results.kitePull,
      results.skopeo,
      "skopeo copy",
    ),
    row("unpack nginx layer", results.kiteUnpack, results.tar, "tar -xzf"),
    row("fetch layer only (no unpack)", results.fetch, results.skopeo, "skopeo copy"),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  console.log(`median of ${runs} runs each, ${new Date().toISOString()}`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  "));
  console.log(
    `raw ms: kite pull ${results.kitePull.map((x) => x.toFixed(0))}; skopeo ${results.skopeo.map((x) => x.toFixed(0))}; ` +
      `kite unpack ${results.kiteUnpack.map((x) => x.toFixed(0))}; tar ${results.tar.map((x) => x.toFixed(0))}`,
  );
} finally {
  await fs.rm(scratch, { recursive: true, force: true });
  await registry.stop();
}
