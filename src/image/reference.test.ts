import assert from "node:assert/strict";
import { test } from "node:test";
import { isImageError } from "./errors.js";
import { familiarName, formatReference, normalizeReference, parseReference } from "./reference.js";

const digest = `sha256:${"ab".repeat(32)}`;

test("short Docker Hub names get docker.io/library and the latest tag", () => {
  assert.equal(normalizeReference("nginx"), "docker.io/library/nginx:latest");
  assert.equal(normalizeReference("nginx:alpine"), "docker.io/library/nginx:alpine");
  assert.equal(normalizeReference("rancher/k3s:v1.30"), "docker.io/rancher/k3s:v1.30");
  assert.equal(normalizeReference("index.docker.io/library/busybox"), "docker.io/library/busybox:latest");
  assert.equal(normalizeReference("docker.io/nginx"), "docker.io/library/nginx:latest");
});

test("a first component with a dot, a port or localhost is a registry host", () => {
  assert.deepEqual(parseReference("localhost:5000/x"), {
    domain: "localhost:5000",
    path: "x",
    tag: "latest",
  });
  assert.deepEqual(parseReference("localhost/x:1"), { domain: "localhost", path: "x", tag: "1" });
  assert.deepEqual(parseReference("127.0.0.1:5000/library/nginx:alpine"), {
    domain: "127.0.0.1:5000",
    path: "library/nginx",
    tag: "alpine",
  });
  assert.deepEqual(parseReference("quay.io/coreos/etcd:v3.5"), {
    domain: "quay.io",
    path: "coreos/etcd",
    tag: "v3.5",
  });
  // "foo" has neither dot nor port: it is a Docker Hub namespace, not a host.
  assert.equal(normalizeReference("foo/bar"), "docker.io/foo/bar:latest");
});

test("digests pin the reference; a tag with a digest keeps both", () => {
  assert.deepEqual(parseReference(`nginx@${digest}`), { domain: "docker.io", path: "library/nginx", digest });
  assert.equal(
    formatReference(parseReference(`nginx:1.25@${digest}`)),
    `docker.io/library/nginx:1.25@${digest}`,
  );
  assert.equal(familiarName(parseReference(`nginx@${digest}`)), `nginx@${digest}`);
});

test("familiar names drop docker.io/library as docker images prints them", () => {
  assert.equal(familiarName(parseReference("nginx:alpine")), "nginx:alpine");
  assert.equal(familiarName(parseReference("rancher/k3s:v1")), "rancher/k3s:v1");
  assert.equal(familiarName(parseReference("localhost:5000/x")), "localhost:5000/x:latest");
});

test("malformed references are refused with Docker's reason", () => {
  for (const bad of ["", "Nginx", "nginx:", "nginx@sha256:12", "a//b", "-x", "nginx:al pine", "x:tag:tag"]) {
    assert.throws(
      () => parseReference(bad),
      (e: unknown) => isImageError(e, "InvalidReference"),
      bad,
    );
  }
  assert.throws(() => parseReference("docker.io/Library/nginx"), /repository name must be lowercase/);
});
