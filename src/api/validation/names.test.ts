import assert from "node:assert/strict";
import { test } from "node:test";
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidIP,
  isValidLabelValue,
  isValidPortName,
  nameIsDNSSubdomain,
} from "./names.js";

test("DNS-1123 subdomain error is kube's text verbatim", () => {
  assert.deepEqual(isDNS1123Subdomain("Web_Pod"), [
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  ]);
  assert.deepEqual(isDNS1123Subdomain("web-pod.example"), []);
  assert.equal(isDNS1123Subdomain("a".repeat(254))[0], "must be no more than 253 characters");
});

test("DNS-1123 label error keeps RegexError's doubled space", () => {
  assert.deepEqual(isDNS1123Label("my.ns"), [
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  ]);
  assert.equal(isDNS1123Label("a".repeat(64))[0], "must be no more than 63 characters");
});

test("generateName is checked with its trailing dash masked", () => {
  assert.deepEqual(nameIsDNSSubdomain("web-", true), []);
  assert.notDeepEqual(nameIsDNSSubdomain("web-", false), []);
});

test("qualified names: prefix and name parts", () => {
  assert.deepEqual(isQualifiedName("app.kubernetes.io/name"), []);
  assert.deepEqual(isQualifiedName("/x"), ["prefix part must be non-empty"]);
  assert.equal(
    isQualifiedName("Example.com/x")[0]?.startsWith("prefix part a lowercase RFC 1123 subdomain"),
    true,
  );
  assert.equal(isQualifiedName("a/b/c")[0]?.startsWith("a qualified name must consist of"), true);
  assert.equal(
    isQualifiedName("-bad")[0]?.startsWith("name part must consist of alphanumeric characters"),
    true,
  );
});

test("label values, config keys, env names and port names", () => {
  assert.deepEqual(isValidLabelValue(""), []);
  assert.equal(isValidLabelValue("a b").length, 1);
  assert.deepEqual(isConfigMapKey("app.properties"), []);
  assert.equal(
    isConfigMapKey("a b")[0],
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  );
  assert.deepEqual(isConfigMapKey(".."), ["must not be '..'"]);
  assert.deepEqual(isEnvVarName("MY_VAR"), []);
  assert.equal(isEnvVarName("1VAR").length, 1);
  assert.deepEqual(isValidPortName("http"), []);
  assert.deepEqual(isValidPortName("123"), ["must contain at least one letter (a-z)"]);
  assert.deepEqual(isValidPortName("a--b"), ["must not contain consecutive hyphens"]);
  assert.deepEqual(isValidPortName("very-long-port-name"), ["must be no more than 15 characters"]);
});

test("IP addresses", () => {
  assert.equal(isValidIP("10.42.0.1"), true);
  assert.equal(isValidIP("fd00::1"), true);
  assert.equal(isValidIP("10.42.0.256"), false);
  assert.equal(isValidIP("example.com"), false);
});
