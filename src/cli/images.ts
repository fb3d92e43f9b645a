// `kite images pull|ls|inspect|rm|import`: the node's image store from the command line, as
// `k3s ctr images` and `crictl images` are for k3s. Works on the store under --data-dir, with the
// same registries.yaml (--private-registry, k3s's flag name) as the server and agent.

import type { Command } from "commander";
import { errorMessage } from "../image/errors.js";
import { familiarName, parseReference } from "../image/reference.js";
import { loadRegistriesConfig } from "../image/registries.js";
import type { Image, ImageService, PullProgress } from "../image/service.js";
import { openImageStore } from "../image/store.js";

interface ImagesOptions {
  dataDir: string;
  privateRegistry: string;
}

export function formatSize(bytes: number): string {
  // crictl's units: decimal, one decimal place (units.HumanSize).
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)}${units[u]}`;
}

/** Rows of `kite images ls`: one per name, `<none>` for an image known only by digest. */
export function imageTable(images: Image[]): string {
  const rows: string[][] = [["REPOSITORY", "TAG", "IMAGE ID", "SIZE"]];
  for (const img of images) {
    const id = img.id.replace(/^sha256:/, "").slice(0, 13);
    const size = formatSize(img.size);
    const tags = img.repoTags.length > 0 ? img.repoTags : img.repoDigests;
    for (const t of tags) {
      const ref = parseReference(t);
      rows.push([`${ref.domain}/${ref.path}`, ref.tag ?? "<none>", id, size]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3)))
        .join("")
        .trimEnd(),
    )
    .join("\n");
}

function shortDigest(d: string): string {
  return d.replace(/^sha256:/, "").slice(0, 12);
}

/** Per-layer bars redrawn in place on a terminal; one line per change otherwise (logs, CI). */
function progressReporter(out: NodeJS.WriteStream): { onProgress(e: PullProgress): void; finish(): void } {
  const tty = out.isTTY === true;
  const layers = new Map<string, { status: string; current: number; total: number }>();
  let drawn = 0;
  let lastDraw = 0;
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    let s = drawn > 0 ? `\x1b[${drawn}A` : "";
    const width = 30;
    for (const [d, l] of layers) {
      const frac = l.total > 0 ? Math.min(1, l.current / l.total) : 1;
      const filled = Math.round(frac * width);
      const bar =
        "=".repeat(Math.max(0, filled - 1)) +
        (filled > 0 ? (frac < 1 ? ">" : "=") : "") +
        " ".repeat(width - filled);
      const label = l.status === "exists" ? "already exists" : l.status;
      s += `\x1b[2K${shortDigest(d)}  [${bar}]  ${formatSize(l.current).padStart(8)}/${formatSize(l.total).padEnd(8)}  ${label}\n`;
    }
    drawn = layers.size;
    out.write(s);
  };
  return {
    onProgress(e) {
      if (e.type === "resolved") {
        out.write(`${e.image}: resolved ${e.manifestDigest}\n`);
        for (const l of e.layers) layers.set(l.digest, { status: "waiting", current: 0, total: l.size });
        if (tty) draw(true);
        return;
      }
      const prev = layers.get(e.digest);
      layers.set(e.digest, { status: e.status, current: e.current, total: e.total });
      if (tty) {
        draw(e.status !== "downloading");
      } else if (prev?.status !== e.status) {
        const what =
          e.status === "exists" ? "already exists" : e.status === "done" ? "pull complete" : "downloading";
        out.write(`layer ${e.digest}: ${what} (${formatSize(e.total)})\n`);
      }
    },
    finish() {
      if (tty && layers.size > 0) draw(true);
    },
  };
}

async function withStore<T>(opts: ImagesOptions, fn: (store: ImageService) => Promise<T>): Promise<T> {
  const registries = await loadRegistriesConfig(opts.privateRegistry);
  const store = await openImageStore({ dataDir: opts.dataDir, registries });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

export function registerImagesCommand(
  program: Command,
  defaults: { dataDir: string; privateRegistry: string },
): void {
  const images = program
    .command("images")
    .description("manage the node's images (pull, list, inspect, remove, import)")
    .option("--data-dir <dir>", "kite's data directory; images live in <dir>/images", defaults.dataDir)
    .option(
      "--private-registry <file>",
      "registry mirrors and credentials in k3s registries.yaml format (a missing file means none)",
      defaults.privateRegistry,
    );
  const run =
    <A extends unknown[]>(fn: (opts: ImagesOptions, ...args: A) => Promise<void>) =>
    async (...args: A) => {
      try {
        await fn(images.opts<ImagesOptions>(), ...args);
      } catch (err) {
        process.stderr.write(`error: ${errorMessage(err)}\n`);
        process.exitCode = 1;
      }
    };

  images
    .command("pull")
    .description("pull an image through the configured mirrors")
    .argument("<image>", "image reference, e.g. nginx:alpine")
    .action(
      run(async (opts, ref: string) => {
        await withStore(opts, async (store) => {
          const progress = progressReporter(process.stdout);
          const image = await store.pull(ref, { onProgress: (e) => progress.onProgress(e) });
          progress.finish();
          process.stdout.write(`${image.repoTags[0] ?? ref}: ${image.id}\n`);
        });
      }),
    );

  images
    .command("ls")
    .alias("list")
    .description("list images: repository, tag, image id, size")
    .option("-q, --quiet", "only image ids")
    .action(
      run(async (opts, cmdOpts: { quiet?: boolean }) => {
        await withStore(opts, async (store) => {
          const list = await store.list();
          if (cmdOpts.quiet) {
            for (const i of list) process.stdout.write(`${i.id}\n`);
          } else {
            process.stdout.write(`${imageTable(list)}\n`);
          }
        });
      }),
    );

  images
    .command("inspect")
    .description("show an image's config, layers and snapshots as JSON")
    .argument("<image>", "image reference or id")
    .action(
      run(async (opts, ref: string) => {
        await withStore(opts, async (store) => {
          const image = await store.inspect(ref);
          if (!image) throw new Error(`image "${ref}": not found`);
          process.stdout.write(`${JSON.stringify(image, null, 2)}\n`);
        });
      }),
    );

  images
    .command("rm")
    .alias("remove")
    .description("remove images by name or id")
    .argument("<image...>", "image references or ids")
    .action(
      run(async (opts, refs: string[]) => {
        await withStore(opts, async (store) => {
          for (const ref of refs) {
            await store.remove(ref);
            process.stdout.write(`Deleted: ${ref}\n`);
          }
        });
      }),
    );

  images
    .command("import")
    .description("import an OCI image layout directory, an OCI archive or a docker save archive")
    .argument("<path>", "directory or archive file")
    .option("--base-name <name>", "repository for OCI layouts whose ref.name is only a tag")
    .action(
      run(async (opts, path: string, cmdOpts: { baseName?: string }) => {
        await withStore(opts, async (store) => {
          const progress = progressReporter(process.stdout);
          const imported = await store.import(path, {
            ...(cmdOpts.baseName ? { baseName: cmdOpts.baseName } : {}),
            onProgress: (e) => progress.onProgress(e),
          });
          progress.finish();
          for (const i of imported) {
            for (const t of i.repoTags)
              process.stdout.write(`unpacked image: ${familiarName(parseReference(t))} (${i.id})\n`);
          }
        });
      }),
    );
}
