#!/usr/bin/env node
// Writes the README's kubectl support table from the walkthrough test's results (and nothing
// else): `node scripts/support-table.mjs [results.json]`, by default the file the last run of
// test/e2e/walkthrough.test.ts left in dist/test-results/. The results are kept as
// docs/support.json; README.md gets the table between its support-table markers.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const { renderTable, replaceTable } = await import(join(repo, "dist/test/support/support-table.js")).catch(
  () => {
    console.error("support-table: run `npm run build` first");
    process.exit(1);
  },
);
const from = process.argv[2] ?? join(repo, "dist/test-results/walkthrough.json");
let results;
try {
  results = JSON.parse(readFileSync(from, "utf8"));
} catch (err) {
  console.error(
    `support-table: cannot read ${from} (${err.code ?? err.message}): run the walkthrough test first (node scripts/run-tests.mjs e2e walkthrough)`,
  );
  process.exit(1);
}
writeFileSync(join(repo, "docs/support.json"), `${JSON.stringify(results, null, 2)}\n`);
const readmePath = join(repo, "README.md");
writeFileSync(readmePath, replaceTable(readFileSync(readmePath, "utf8"), renderTable(results)));
console.log(`README.md's support table and docs/support.json written from ${from}`);
