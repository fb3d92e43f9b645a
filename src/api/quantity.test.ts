import assert from "node:assert/strict";
import { test } from "node:test";
import {
  addQuantities,
  canonicalizeQuantity,
  compareQuantities,
  isQuantity,
  parseQuantity,
  quantityFormatError,
  quantityToBytes,
  quantityToMillis,
} from "./quantity.js";

test("canonical form matches what kube-apiserver returns", () => {
  const cases: [string | number, string][] = [
    ["100m", "100m"],
    ["0.5", "500m"],
    ["1000m", "1"],
    ["1500m", "1500m"],
    ["1.5", "1500m"],
    ["1000", "1k"],
    ["1500", "1500"],
    ["2Gi", "2Gi"],
    ["1024Mi", "1Gi"],
    ["1536Mi", "1536Mi"],
    ["1.5Gi", "1536Mi"],
    ["0.5Ki", "512"],
    ["1e3", "1e3"],
    ["1E3", "1e3"],
    ["1E", "1E"],
    ["1e0", "1"],
    ["1.5e3", "1500"],
    ["0", "0"],
    ["0Gi", "0"],
    ["-1", "-1"],
    ["-100m", "-100m"],
    ["128974848", "128974848"],
    ["129e6", "129e6"],
    ["123Mi", "123Mi"],
    [1, "1"],
    [0.25, "250m"],
    ["0.0000000001", "1n"],
    ["5M", "5M"],
    ["2000000", "2M"],
  ];
  for (const [input, want] of cases) {
    assert.equal(canonicalizeQuantity(input), want, `canonical form of ${JSON.stringify(input)}`);
  }
});

test("E followed by digits is an exponent, E alone is exa", () => {
  assert.equal(quantityToBytes("1E3"), 1000n);
  assert.equal(quantityToBytes("1E"), 10n ** 18n);
});

test("malformed quantities are rejected with kube's message", () => {
  for (const bad of ["", "abc", "1.2.3", "--1", "1 Gi", ".", "Gi", "1e3Mi"]) {
    assert.throws(() => parseQuantity(bad), { message: quantityFormatError }, JSON.stringify(bad));
  }
  assert.throws(() => parseQuantity("1K"), { message: "unable to parse quantity's suffix" });
  assert.throws(() => parseQuantity("1Gb"), /quantit/);
  assert.equal(isQuantity("12x"), false);
  assert.equal(isQuantity("12k"), true);
  assert.equal(isQuantity({}), false);
});

test("millis and bytes round up as MilliValue and Value do", () => {
  assert.equal(quantityToMillis("100m"), 100n);
  assert.equal(quantityToMillis("1"), 1000n);
  assert.equal(quantityToMillis("0.5"), 500n);
  assert.equal(quantityToMillis("1n"), 1n);
  assert.equal(quantityToBytes("2Gi"), 2147483648n);
  assert.equal(quantityToBytes("100m"), 1n);
  assert.equal(quantityToBytes("1k"), 1000n);
  assert.equal(quantityToBytes("1Ei"), 1152921504606846976n);
});

test("comparison is by value, across formats", () => {
  assert.equal(compareQuantities("1", "1000m"), 0);
  assert.equal(compareQuantities("1Ki", "1k"), 1);
  assert.equal(compareQuantities("500m", "1"), -1);
  assert.equal(compareQuantities("1Gi", "1073741824"), 0);
  assert.equal(compareQuantities("-1", "0"), -1);
});

test("addition keeps the first operand's format", () => {
  const sum = addQuantities("1Gi", "1Gi");
  assert.equal(sum.format, "BinarySI");
  assert.equal(sum.nanos, 2n * 1073741824n * 1_000_000_000n);
});
