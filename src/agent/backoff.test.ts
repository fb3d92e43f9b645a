import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newBackoff } from "./backoff.js";

describe("crash-loop back-off", () => {
  it("starts at 10 s, doubles to 5 min, and resets after 10 min without failures", () => {
    let now = 0;
    const b = newBackoff(10_000, 300_000, () => now);
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      b.next("c", now);
      seen.push(b.get("c"));
      now += b.get("c");
    }
    assert.deepEqual(seen, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    now += 600_001;
    b.next("c", now);
    assert.equal(b.get("c"), 10_000);
  });

  it("isInBackOffSince counts from the exit time", () => {
    let now = 1_000_000;
    const b = newBackoff(10_000, 300_000, () => now);
    assert.equal(b.isInBackOffSince("c", now), false);
    b.next("c", now);
    const exitedAt = now;
    now += 9_999;
    assert.equal(b.isInBackOffSince("c", exitedAt), true);
    now += 2;
    assert.equal(b.isInBackOffSince("c", exitedAt), false);
    assert.equal(b.expiresAt("c", exitedAt), exitedAt + 10_000);
  });
});
