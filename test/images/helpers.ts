import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoPath } from "../support/registry.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `kite images ARGS` as a user would (the compiled CLI, a separate process, no TTY). */
export function kiteImages(args: string[]): Promise<CliResult> {
  const entry = repoPath("dist", "test", "images", "cli-entry.js");
  return new Promise((resolve) => {
    execFile(process.execPath, [entry, "images", ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export function tempDir(t: { after(fn: () => void): void }, prefix = "kite-images-"): string {
  const d = fs.mkdtempSync(join(tmpdir(), prefix));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/** After a failed pull or import: no name, no snapshot, no blob, nothing staged. */
export function assertStoreEmpty(dataDir: string): void {
  const root = join(dataDir, "images");
  for (const sub of ["refs", "snapshots", "blobs/sha256", "tmp"]) {
    const p = join(root, sub);
    assert.deepEqual(fs.existsSync(p) ? fs.readdirSync(p) : [], [], `${sub} should be empty`);
  }
}
