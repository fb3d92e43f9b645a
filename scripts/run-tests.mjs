#!/usr/bin/env node
// Runs the compiled tests with node's test runner: unit tests beside the code (dist/src/**),
// end-to-end tests under dist/test/**. `node scripts/run-tests.mjs unit|e2e [filter]`.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const [which = "all", filter] = process.argv.slice(2);
function find(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (p.endsWith(".test.js")) out.push(p);
  }
  return out;
}
let files = [];
if (which === "all" || which === "unit") files = files.concat(find("dist/src"));
if (which === "all" || which === "e2e") files = files.concat(find("dist/test"));
if (filter) files = files.filter((f) => f.includes(filter));
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ["--test", "--test-concurrency=2", "--test-timeout=600000", "--enable-source-maps", ...files],
  { stdio: "inherit" },
);
process.exit(r.status ?? 1);
