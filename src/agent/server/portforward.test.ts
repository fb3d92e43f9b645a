import assert from "node:assert/strict";
import { test } from "node:test";
import { parseForwardPorts, socatError } from "./portforward.js";

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

test("port query values as kubelet's NewV4Options reads them", () => {
  assert.deepEqual(parseForwardPorts(new URLSearchParams("port=80&port=8080,9090")), [80, 8080, 9090]);
  assert.throws(() => parseForwardPorts(new URLSearchParams("")), /query parameter "port" is required/);
  assert.throws(
    () => parseForwardPorts(new URLSearchParams("port=")),
    /query parameter "port" cannot be empty/,
  );
  assert.throws(
    () => parseForwardPorts(new URLSearchParams("port=http")),
    /unable to parse "http" as a port/,
  );
  assert.throws(
    () => parseForwardPorts(new URLSearchParams("port=70000")),
    /unable to parse "70000" as a port/,
  );
  assert.throws(() => parseForwardPorts(new URLSearchParams("port=0")), /port "0" must be > 0/);
});
