import assert from "node:assert/strict";
import { test } from "node:test";
import { expand, mappingFor } from "./expansion.js";

// Cases from kube's expand_test.go (TestMapReference / TestMapping).
const vars = new Map([
  ["VAR_A", "A"],
  ["VAR_B", "B"],
  ["VAR_C", "C"],
  ["VAR_REF", "$(VAR_A)"],
  ["VAR_EMPTY", ""],
]);
const m = mappingFor(vars);

test("$(VAR) expansion follows kube's rules", () => {
  const cases: [string, string][] = [
    ["$(VAR_A)", "A"],
    ["___$(VAR_B)___", "___B___"],
    ["$(VAR_A)-$(VAR_A)", "A-A"],
    ["$(VAR_A)$(VAR_B)$(VAR_C)", "ABC"],
    ["$(VAR_REF)", "$(VAR_A)"], // not recursive
    ["$(VAR_EMPTY)", ""],
    ["$(UNKNOWN)", "$(UNKNOWN)"],
    ["$$(VAR_A)", "$(VAR_A)"], // escaped
    ["$$$(VAR_A)", "$A"],
    ["$$$$(VAR_A)", "$$(VAR_A)"],
    ["$(VAR_A", "$(VAR_A"], // incomplete
    ["$VAR_A", "$VAR_A"],
    ["$", "$"],
    ["foo$", "foo$"],
    ["$()", "$()"], // an empty name is not defined
    ["$(VAR_A)$", "A$"],
  ];
  for (const [input, want] of cases) assert.equal(expand(input, m), want, input);
});

test("the first context defining a name wins", () => {
  const mapping = mappingFor(
    new Map([["X", "first"]]),
    new Map([
      ["X", "second"],
      ["Y", "y"],
    ]),
  );
  assert.equal(expand("$(X)/$(Y)", mapping), "first/y");
});
