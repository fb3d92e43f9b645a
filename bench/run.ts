// `npm run bench [name…]`: runs each benchmark (bench/<name>/run.ts) in its own process, in turn.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, "run.js")))
  .map((d) => d.name);
const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : all;
let failed = false;
for (const name of names) {
  if (!all.includes(name)) {
    console.error(`no benchmark "${name}" (have: ${all.join(", ")})`);
    failed = true;
    continue;
  }
  console.log(`\n## ${name}\n`);
  const r = spawnSync(process.execPath, [join(here, name, "run.js")], { stdio: "inherit" });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
