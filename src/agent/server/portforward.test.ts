import assert from "node:assert/strict";
import { test } from "node:test";
import { socatError } from "./portforward.js";

test("socat's connect failure reads as containerd's dial error", () => {
  assert.equal(
    socatError(
      "2026/11/24 14:44:20 socat[24454] E connect(5, AF=2 127.0.0.1:81, 16): Connection refused\n",
      81,
    ),
    "IPv4: dial tcp4 127.0.0.1:81: connect: connection refused",
  );
  assert.equal(socatError("2026/11/24 14:44:20 socat[1] E something else\n", 81), "something else");
  assert.equal(socatError("", 81), undefined);
});
