import assert from "node:assert/strict";
import { test } from "node:test";
import { badRequest } from "../api/errors.js";
import {
  Close,
  ErrorStream,
  errorStatus,
  exitStatus,
  frame,
  negotiate,
  ResizeDecoder,
  remoteCommandProtocols,
  Stdout,
  unframe,
} from "./channel.js";

test("a frame is the stream byte then the data, and unframes back", () => {
  const f = frame(Stdout, "hi");
  assert.deepEqual([...f], [1, 0x68, 0x69]);
  const u = unframe(f);
  assert.equal(u?.stream, Stdout);
  assert.equal(u?.data.toString(), "hi");
  assert.deepEqual([...frame(Close, Buffer.from([0]))], [255, 0]);
  assert.equal(unframe(Buffer.alloc(0)), undefined);
});

test("negotiation takes the client's first protocol the server speaks", () => {
  assert.equal(negotiate("v5.channel.k8s.io", remoteCommandProtocols), "v5.channel.k8s.io");
  assert.equal(
    negotiate("v3.channel.k8s.io, v4.channel.k8s.io", remoteCommandProtocols),
    "v4.channel.k8s.io",
  );
  assert.equal(negotiate(["channel.k8s.io", "v2.channel.k8s.io"], remoteCommandProtocols), undefined);
  assert.equal(negotiate(undefined, remoteCommandProtocols), undefined);
});

test("exit statuses are kubelet's: Success, or NonZeroExitCode with an ExitCode cause", () => {
  assert.deepEqual(exitStatus(0), { metadata: {}, status: "Success" });
  const s = exitStatus(3, ["sh", "-c", "exit 3"]);
  assert.equal(s.status, "Failure");
  assert.equal(s.reason, "NonZeroExitCode");
  assert.deepEqual(s.details?.causes, [{ reason: "ExitCode", message: "3" }]);
  assert.match(s.message ?? "", /exit code 3$/);
  const e = errorStatus(badRequest('container "x" not found'));
  assert.equal(e.reason, "BadRequest");
  assert.equal(e.message, 'container "x" not found');
  assert.equal(ErrorStream, 3);
});

test("resize messages decode across splits and several per chunk", () => {
  const d = new ResizeDecoder();
  assert.deepEqual(d.push('{"Width":80,"Hei'), []);
  assert.deepEqual(d.push('ght":24}\n{"Width":100,"Height":40}\n'), [
    { width: 80, height: 24 },
    { width: 100, height: 40 },
  ]);
  assert.deepEqual(d.push("{bad}\n"), []);
  assert.deepEqual(d.push('{"Width":1,"Height":2}'), [{ width: 1, height: 2 }]);
});
