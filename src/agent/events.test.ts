import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { goDuration, messages } from "./events.js";
import { testPod } from "./test-fixtures.js";

describe("kubelet event texts", () => {
  it("formats durations as Go does", () => {
    assert.equal(goDuration(10_000), "10s");
    assert.equal(goDuration(80_000), "1m20s");
    assert.equal(goDuration(300_000), "5m0s");
    assert.equal(goDuration(1234), "1.234s");
    assert.equal(goDuration(1500), "1.5s");
    assert.equal(goDuration(567), "567ms");
  });

  it("reads as the kubelet's messages", () => {
    const pod = testPod();
    assert.equal(messages.created("web"), "Created container web");
    assert.equal(messages.started("web"), "Started container web");
    assert.equal(messages.killing("web"), "Stopping container web");
    assert.equal(
      messages.alreadyPresent("nginx:alpine"),
      'Container image "nginx:alpine" already present on machine',
    );
    assert.equal(
      messages.pulled("nginx:alpine", 1234, 1234, 42),
      'Successfully pulled image "nginx:alpine" in 1.234s (1.234s including waiting). Image size: 42 bytes.',
    );
    assert.equal(
      messages.backOffRestart("web", pod),
      "Back-off restarting failed container web in pod web-pod_default(u1)",
    );
    assert.equal(
      messages.crashLoopBackOff(20_000, "web", pod),
      "back-off 20s restarting failed container=web pod=web-pod_default(u1)",
    );
    assert.equal(
      messages.probeFailed("Liveness", "HTTP probe failed with statuscode: 500"),
      "Liveness probe failed: HTTP probe failed with statuscode: 500",
    );
  });
});
