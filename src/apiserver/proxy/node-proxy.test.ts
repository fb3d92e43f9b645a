import assert from "node:assert/strict";
import { test } from "node:test";
import { dialErrorMessage } from "./node-proxy.js";

const err = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

test("a failed dial to a node reads as kube-apiserver's Go error", () => {
  assert.equal(
    dialErrorMessage(err("ECONNREFUSED"), "10.0.0.5", 10250),
    "dial tcp 10.0.0.5:10250: connect: connection refused",
  );
  assert.equal(dialErrorMessage(err("ETIMEDOUT"), "fd00::5", 10250), "dial tcp [fd00::5]:10250: i/o timeout");
  assert.equal(dialErrorMessage(err("EWHATEVER"), "h", 1), "connect EWHATEVER");
});
