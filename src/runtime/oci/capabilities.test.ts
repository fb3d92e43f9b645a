import assert from "node:assert/strict";
import { test } from "node:test";
import { ALL_CAPABILITIES, containerCapabilities, DEFAULT_CAPABILITIES } from "./capabilities.js";
import { runtimeDefaultSeccomp } from "./seccomp.js";

test("containerd's default capability set, add and drop with or without CAP_, ALL on either side", () => {
  assert.deepEqual(new Set(containerCapabilities({})), new Set(DEFAULT_CAPABILITIES));
  const added = containerCapabilities({ add: ["net_admin", "CAP_SYS_TIME"], drop: ["NET_RAW"] });
  assert.ok(added.includes("CAP_NET_ADMIN") && added.includes("CAP_SYS_TIME"));
  assert.ok(!added.includes("CAP_NET_RAW"));
  assert.deepEqual(containerCapabilities({ drop: ["ALL"], add: ["NET_BIND_SERVICE"] }), [
    "CAP_NET_BIND_SERVICE",
  ]);
  assert.deepEqual(containerCapabilities({ add: ["ALL"] }), [...ALL_CAPABILITIES]);
  assert.deepEqual(containerCapabilities({ add: ["ALL"], drop: ["CHOWN"] }).includes("CAP_CHOWN"), false);
  assert.deepEqual(containerCapabilities({ privileged: true, drop: ["ALL"] }), [...ALL_CAPABILITIES]);
  assert.throws(() => containerCapabilities({ add: ["FLY"] }), /unknown capability "FLY"/);
});

test("RuntimeDefault seccomp denies what Docker's profile denies, and allows capability-gated calls with the capability", () => {
  const plain = runtimeDefaultSeccomp(DEFAULT_CAPABILITIES);
  const denied = plain.syscalls.flatMap((r) => r.names);
  for (const call of [
    "mount",
    "unshare",
    "setns",
    "ptrace",
    "kexec_load",
    "init_module",
    "reboot",
    "bpf",
    "keyctl",
  ]) {
    assert.ok(denied.includes(call), call);
  }
  assert.ok(!denied.includes("read") && !denied.includes("clone"));
  assert.equal(plain.defaultAction, "SCMP_ACT_ALLOW");
  const admin = runtimeDefaultSeccomp([
    ...DEFAULT_CAPABILITIES,
    "CAP_SYS_ADMIN",
    "CAP_SYS_PTRACE",
  ]).syscalls.flatMap((r) => r.names);
  for (const call of ["mount", "unshare", "setns", "ptrace", "clone3"])
    assert.ok(!admin.includes(call), call);
  assert.ok(admin.includes("kexec_load"));
  // clone3 answers ENOSYS, so libc falls back to clone.
  assert.deepEqual(plain.syscalls.find((r) => r.names.includes("clone3"))?.errnoRet, 38);
});
