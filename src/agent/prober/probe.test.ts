import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Runtime } from "../../runtime/runtime.js";
import { grpcHealthRequest, type ProbeTarget, parseGrpcHealthResponse, runProbe } from "./probe.js";

// A real HTTP server and a real gRPC health server (HTTP/2) on 127.0.0.1 stand where the pod is.
let httpServer: http.Server;
let grpcServer: http2.Http2Server;
let httpPort = 0;
let grpcPort = 0;
let grpcStatus = 1;

function frame(status: number): Buffer {
  const msg = Buffer.from([0x08, status]);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

before(async () => {
  httpServer = http.createServer((req, res) => {
    if (req.url === "/healthz") res.end("ok");
    else if (req.url === "/ua") res.end(req.headers["user-agent"]);
    else if (req.url === "/slow") setTimeout(() => res.end("late"), 3000);
    else {
      res.statusCode = 500;
      res.end("boom");
    }
  });
  await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
  httpPort = (httpServer.address() as AddressInfo).port;
  grpcServer = http2.createServer();
  grpcServer.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      if (headers[":path"] !== "/grpc.health.v1.Health/Check") {
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () =>
          stream.sendTrailers({ "grpc-status": "12", "grpc-message": "unknown method" }),
        );
        stream.end();
        return;
      }
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(frame(grpcStatus));
    });
  });
  await new Promise<void>((r) => grpcServer.listen(0, "127.0.0.1", r));
  grpcPort = (grpcServer.address() as AddressInfo).port;
});

after(() => {
  httpServer.close();
  grpcServer.close();
});

const target = (): ProbeTarget => ({
  runtime: undefined as unknown as Runtime,
  containerId: "c1",
  container: { name: "web", ports: [{ name: "http", containerPort: httpPort }] },
  podIP: "127.0.0.1",
  userAgent: "kube-probe/1.33",
});

describe("probes", () => {
  it("httpGet succeeds on 2xx, by named port, and sends kube-probe's User-Agent", async () => {
    assert.deepEqual(await runProbe(target(), { httpGet: { path: "/healthz", port: "http" } }), {
      result: "success",
      output: "ok",
    });
    assert.equal(
      (await runProbe(target(), { httpGet: { path: "/ua", port: httpPort } })).output,
      "kube-probe/1.33",
    );
  });

  it("httpGet fails on 500 with the kubelet's message, and on timeout", async () => {
    assert.deepEqual(await runProbe(target(), { httpGet: { path: "/bad", port: httpPort } }), {
      result: "failure",
      output: "HTTP probe failed with statuscode: 500",
    });
    const slow = await runProbe(target(), { httpGet: { path: "/slow", port: httpPort }, timeoutSeconds: 1 });
    assert.equal(slow.result, "failure");
    assert.match(slow.output, /context deadline exceeded/);
  });

  it("tcpSocket succeeds on an open port and reports connection refused as Go does", async () => {
    assert.equal((await runProbe(target(), { tcpSocket: { port: httpPort } })).result, "success");
    const closed = await runProbe(target(), { tcpSocket: { port: 1 } });
    assert.deepEqual(closed, {
      result: "failure",
      output: "dial tcp 127.0.0.1:1: connect: connection refused",
    });
  });

  it("grpc health check: SERVING succeeds, NOT_SERVING fails with the kubelet's message", async () => {
    grpcStatus = 1;
    assert.equal((await runProbe(target(), { grpc: { port: grpcPort } })).result, "success");
    grpcStatus = 2;
    assert.deepEqual(await runProbe(target(), { grpc: { port: grpcPort } }), {
      result: "failure",
      output: 'service unhealthy (responded with "NOT_SERVING")',
    });
    const refused = await runProbe(target(), { grpc: { port: 1 } });
    assert.equal(refused.result, "failure");
    assert.match(refused.output, /failed to connect service "127.0.0.1:1"/);
  });

  it("encodes HealthCheckRequest and decodes HealthCheckResponse", () => {
    assert.deepEqual([...grpcHealthRequest("")], [0, 0, 0, 0, 0]);
    assert.deepEqual([...grpcHealthRequest("a")], [0, 0, 0, 0, 3, 0x0a, 1, 0x61]);
    assert.equal(parseGrpcHealthResponse(frame(1)), 1);
  });
});
