import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { humanDuration, translateTimestampSince } from "./duration.js";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe("humanDuration matches duration.HumanDuration", () => {
  const cases: [number, string][] = [
    [-2 * s, "<invalid>"],
    [-1500, "0s"],
    [-999, "0s"],
    [0, "0s"],
    [999, "0s"],
    [59 * s, "59s"],
    [119 * s + 999, "119s"],
    [2 * m, "2m"],
    [2 * m + 30 * s, "2m30s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m, "10m"],
    [10 * m + 59 * s, "10m"],
    [179 * m, "179m"],
    [3 * h, "3h"],
    [3 * h + 5 * m, "3h5m"],
    [7 * h + 59 * m, "7h59m"],
    [8 * h, "8h"],
    [47 * h + 59 * m, "47h"],
    [2 * d, "2d"],
    [2 * d + 3 * h, "2d3h"],
    [7 * d + 23 * h, "7d23h"],
    [8 * d, "8d"],
    [729 * d, "729d"],
    [730 * d, "2y"],
    [770 * d, "2y40d"],
    [8 * 365 * d - 1, "7y364d"],
    [8 * 365 * d, "8y"],
    [3000 * d, "8y"],
  ];
  for (const [ms, want] of cases) {
    it(`${ms} ms is ${want}`, () => assert.equal(humanDuration(ms), want));
  }
});

describe("translateTimestampSince", () => {
  const now = new Date("2024-05-01T12:00:00Z");
  it("prints <unknown> for a missing or zero time", () => {
    assert.equal(translateTimestampSince(undefined, now), "<unknown>");
    assert.equal(translateTimestampSince("", now), "<unknown>");
    assert.equal(translateTimestampSince("0001-01-01T00:00:00Z", now), "<unknown>");
  });
  it("measures from the given clock", () => {
    assert.equal(translateTimestampSince("2024-05-01T11:57:30Z", now), "2m30s");
    assert.equal(translateTimestampSince("2024-04-29T09:00:00Z", now), "2d3h");
  });
});
