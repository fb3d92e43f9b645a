import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { PersistentVolume } from "kubernetes-types/core/v1.js";
import { cleanupLocalPathVolumes, localPathDirectory } from "./local-path.js";

const root = mkdtempSync(join(tmpdir(), "local-path-"));
after(() => rmSync(root, { recursive: true, force: true }));
const storagePath = join(root, "storage");
const opts = { nodeName: "n1", storagePath, stateFile: join(root, "agent", "local-path-volumes.json") };

function pv(
  name: string,
  o: { node?: string; path?: string; policy?: string; by?: string } = {},
): PersistentVolume {
  const path = o.path ?? join(storagePath, `${name}_default_claim`);
  return {
    metadata: {
      name,
      annotations: {
        "pv.kubernetes.io/provisioned-by": o.by ?? "kite.io/local-path",
        "local.path.provisioner/selected-node": o.node ?? "n1",
      },
    },
    spec: {
      persistentVolumeReclaimPolicy: o.policy ?? "Delete",
      hostPath: { path, type: "DirectoryOrCreate" },
    },
  };
}

function dirOf(v: PersistentVolume): string {
  const d = v.spec?.hostPath?.path as string;
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "data"), "x");
  return d;
}

describe("local-path directories", () => {
  it("only this node's local-path volumes, one level under the storage path, named after the PV", () => {
    assert.ok(localPathDirectory(pv("pvc-1"), opts));
    assert.equal(localPathDirectory(pv("pvc-1", { node: "n2" }), opts), undefined);
    assert.equal(localPathDirectory(pv("pvc-1", { by: "other" }), opts), undefined);
    assert.equal(localPathDirectory(pv("pvc-1", { path: "/etc" }), opts), undefined);
    assert.equal(localPathDirectory(pv("pvc-1", { path: join(storagePath, "..", "x_y") }), opts), undefined);
    assert.equal(
      localPathDirectory(pv("pvc-1", { path: join(storagePath, "pvc-2_default_claim") }), opts),
      undefined,
    );
  });

  it("removes the directory once a Delete volume is gone; keeps Retain and others' volumes", () => {
    const del = pv("pvc-del");
    const keep = pv("pvc-keep", { policy: "Retain" });
    const other = pv("pvc-other", { node: "n2" });
    const [dDel, dKeep, dOther] = [dirOf(del), dirOf(keep), dirOf(other)];
    assert.deepEqual(cleanupLocalPathVolumes([del, keep, other], opts), []);
    assert.ok(existsSync(dDel));
    // The PVs go (the provisioner deleted the Delete one, a user the others).
    assert.deepEqual(cleanupLocalPathVolumes([], opts), [dDel]);
    assert.ok(!existsSync(dDel));
    assert.ok(existsSync(dKeep), "Retain keeps the data");
    assert.ok(existsSync(dOther), "another node's volume is not ours");
    assert.deepEqual(cleanupLocalPathVolumes([], opts), []);
  });

  it("remembers across restarts through the state file", () => {
    const v = pv("pvc-restart");
    const d = dirOf(v);
    cleanupLocalPathVolumes([v], opts);
    // a new agent process: only the state file links the two calls
    assert.deepEqual(cleanupLocalPathVolumes([], { ...opts }), [d]);
  });
});
