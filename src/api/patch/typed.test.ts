import assert from "node:assert/strict";
import { test } from "node:test";
import { fromFieldsV1, pathString, setPaths } from "./fieldpath.js";
import { list, obj, str } from "./test-schema.js";
import { compare, merge, removeItems, toFieldSet } from "./typed.js";

const element = obj({ key: str, id: str, nv: str, bv: str });
const root = obj({
  list: list(element, { listType: "map", mapKeys: ["key", "id"] }),
  set: list(str, { listType: "set" }),
  atomic: list(str),
});

test("merging a set keeps live order and slots applied items after their predecessors", () => {
  assert.deepEqual(merge(root, { set: ["a", "b", "c", "d"] }, { set: ["a", "x", "c", "y"] }), {
    set: ["a", "b", "x", "c", "d", "y"],
  });
});

test("merging onto duplicated live items replaces them with the applied one", () => {
  const live = {
    list: [
      { key: "a", id: "1", bv: "t" },
      { key: "b", id: "2" },
      { key: "a", id: "1", nv: "2" },
    ],
  };
  assert.deepEqual(merge(root, live, { list: [{ key: "a", id: "1", nv: "3" }] }), {
    list: [
      { key: "a", id: "1", nv: "3" },
      { key: "b", id: "2" },
    ],
  });
  assert.deepEqual(merge(root, { set: ["a", "b", "b"] }, { set: ["c"] }), { set: ["a", "b", "b", "c"] });
});

test("an atomic list is replaced, never merged", () => {
  assert.deepEqual(merge(root, { atomic: ["a", "b"] }, { atomic: ["c"] }), { atomic: ["c"] });
});

test("compare reports added, modified and removed leaves and the nodes around them", () => {
  const c = compare(
    root,
    { list: [{ key: "a", id: "1", nv: "1" }] },
    { list: [{ key: "b", id: "1" }], set: ["x"] },
  );
  assert.deepEqual(setPaths(c.added).map(pathString), [
    ".set",
    '.list[id="1",key="b"]',
    '.list[id="1",key="b"].id',
    '.list[id="1",key="b"].key',
    '.set[="x"]',
  ]);
  assert.deepEqual(setPaths(c.removed).map(pathString), [
    '.list[id="1",key="a"]',
    '.list[id="1",key="a"].id',
    '.list[id="1",key="a"].key',
    '.list[id="1",key="a"].nv',
  ]);
});

test("removing a member takes its subtree and drops lists it empties", () => {
  const value = { list: [{ key: "a", id: "1", nv: "1" }], set: ["x", "y"] };
  const set = fromFieldsV1({ "f:list": { 'k:{"id":"1","key":"a"}': {} }, "f:set": { 'v:"x"': {} } });
  assert.deepEqual(removeItems(root, value, set), { set: ["y"] });
});

test("the applied field set names unknown fields and duplicate keys", () => {
  assert.throws(() => toFieldSet(root, { nope: 1 }), { message: ".nope: field not declared in schema" });
  assert.throws(() => toFieldSet(root, { set: ["a", "a"] }), {
    message: '.set: duplicate entries for key [="a"]',
  });
  assert.throws(() => toFieldSet(root, { list: [{ nv: "1" }] }), {
    message: `.list: element 0: associative list with keys has an element that omits all key fields ["key" "id"] (and doesn't have default values for any key fields)`,
  });
});
