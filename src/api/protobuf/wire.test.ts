import assert from "node:assert/strict";
import { test } from "node:test";
import { readFields, readPackedVarints, readVarint, WireError } from "./wire.js";

test("varints: one byte, several bytes, 64-bit negative", () => {
  assert.deepEqual(readVarint(Buffer.from([0x01]), 0), [1n, 1]);
  assert.deepEqual(readVarint(Buffer.from([0xac, 0x02]), 0), [300n, 2]);
  const minusOne = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  assert.equal(BigInt.asIntN(64, readVarint(minusOne, 0)[0]), -1n);
});

test("a varint longer than ten bytes is an overflow, a cut one an unexpected EOF", () => {
  assert.throws(() => readVarint(Buffer.alloc(11, 0xff), 0), { message: "proto: integer overflow" });
  assert.throws(() => readVarint(Buffer.from([0x80]), 0), { message: "unexpected EOF" });
});

test("fields of every wire type are split in order", () => {
  const buf = Buffer.from([
    0x08,
    0x96,
    0x01, // 1: varint 150
    0x12,
    0x02,
    0x68,
    0x69, // 2: bytes "hi"
    0x19,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    0, // 3: fixed64 1
    0x25,
    2,
    0,
    0,
    0, // 4: fixed32 2
  ]);
  const fields = readFields(buf);
  assert.deepEqual(
    fields.map((f) => [f.no, f.wireType]),
    [
      [1, 0],
      [2, 2],
      [3, 1],
      [4, 5],
    ],
  );
  assert.equal(fields[0]!.value, 150n);
  assert.equal((fields[1]!.value as Buffer).toString(), "hi");
  assert.equal(fields[2]!.value, 1n);
  assert.equal(fields[3]!.value, 2n);
});

test("a length past the end, a group and field number 0 are refused", () => {
  assert.throws(() => readFields(Buffer.from([0x12, 0x05, 0x68])), WireError);
  assert.throws(() => readFields(Buffer.from([0x0b])), { message: "proto: illegal wireType 3" });
  assert.throws(() => readFields(Buffer.from([0x00, 0x00])), WireError);
});

test("packed varints", () => {
  assert.deepEqual(readPackedVarints(Buffer.from([0x01, 0xac, 0x02])), [1n, 300n]);
});
