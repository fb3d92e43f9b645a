import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStatusError } from "../errors.js";
import {
  formatLabelSelector,
  labelExactMatch,
  labelSelectorFromObject,
  matchesLabels,
  parseLabelSelector,
  parseLabelSelectorParam,
  SelectorError,
} from "./labels.js";

const keyRule =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const valueRule =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function rejects(selector: string, message: string) {
  assert.throws(
    () => parseLabelSelector(selector),
    (err: unknown) => err instanceof SelectorError && err.message === message,
    `selector ${JSON.stringify(selector)}`,
  );
}

describe("label selector syntax", () => {
  it("accepts every operator kube's parser accepts", () => {
    const sel = parseLabelSelector("x in (foo,,baz),y,z notin (),!w,a=b,c==d,e!=f,g>1,h<2");
    assert.equal(formatLabelSelector(sel), "a=b,c==d,e!=f,g>1,h<2,!w,x in (,baz,foo),y,z notin ()");
  });

  it("skips whitespace around tokens and values", () => {
    const sel = parseLabelSelector("  env in ( prod , dev ) ,  tier = web ");
    assert.deepEqual(sel.requirements, [
      { key: "env", operator: "in", values: ["dev", "prod"] },
      { key: "tier", operator: "=", values: ["web"] },
    ]);
  });

  it("treats in and notin as values inside parentheses", () => {
    const sel = parseLabelSelector("x in (in,notin)");
    assert.deepEqual(sel.requirements[0]?.values, ["in", "notin"]);
  });

  it("parses the empty string and a trailing empty value", () => {
    assert.deepEqual(parseLabelSelector("").requirements, []);
    assert.deepEqual(parseLabelSelector("a=").requirements, [{ key: "a", operator: "=", values: [""] }]);
    assert.deepEqual(parseLabelSelector("example.com/role").requirements, [
      { key: "example.com/role", operator: "exists", values: [] },
    ]);
  });

  it("rejects a missing operator", () => {
    rejects("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  });
  it("rejects junk after a requirement", () => {
    rejects("a=b c", "found 'c', expected: ',' or 'end of string'");
    rejects("a=b=c", "found '=', expected: ',' or 'end of string'");
    rejects("!a=b", "found '=', expected: ',' or 'end of string'");
  });
  it("rejects a leading or trailing comma", () => {
    rejects(",a", "found ',', expected: !, identifier, or 'end of string'");
    rejects("a,", "found '', expected: identifier after ','");
  });
  it("rejects a malformed set", () => {
    rejects("a in x", "unable to parse requirement: found 'x' expected: '('");
    rejects("a in (x", "unable to parse requirement: found '', expected: ',' or ')'");
    rejects("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier");
    rejects("a in (x,=)", "unable to parse requirement: found '=', expected: ',', or identifier");
  });
  it("rejects a non-identifier value", () => {
    rejects("a=(", "unable to parse requirement: found '(', expected: identifier");
    rejects("!", "unable to parse requirement: found '', expected: identifier");
  });
  it("rejects an invalid key with the nil field path kube prints", () => {
    rejects("Foo_=bar", `unable to parse requirement: <nil>: Invalid value: "Foo_": ${keyRule}`);
    rejects(
      "a/b/c",
      `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    );
    rejects("/a", `unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty`);
    rejects(
      `${"k".repeat(64)}`,
      `unable to parse requirement: <nil>: Invalid value: "${"k".repeat(64)}": name part must be no more than 63 characters`,
    );
  });
  it("rejects an invalid value", () => {
    rejects("a=-x", `unable to parse requirement: values[0][a]: Invalid value: "-x": ${valueRule}`);
  });
  it("rejects a non-integer for gt and lt", () => {
    rejects(
      "a>b",
      `unable to parse requirement: values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer`,
    );
    // ParseInt accepts -1 but the value rule does not
    rejects("a<-1", `unable to parse requirement: values[0][a]: Invalid value: "-1": ${valueRule}`);
  });

  it("turns a bad query parameter into kube-apiserver's 400", () => {
    assert.throws(
      () => parseLabelSelectorParam("a b"),
      (err: unknown) =>
        isStatusError(err, "BadRequest") &&
        err.code === 400 &&
        err.message === "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
    );
    assert.deepEqual(parseLabelSelectorParam(undefined).requirements, []);
  });
});

describe("label selector matching", () => {
  const labels = { app: "web", tier: "front", n: "5" };
  const cases: [string, boolean][] = [
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app=db", false],
    ["app!=db", true],
    ["missing!=x", true],
    ["app in (db,web)", true],
    ["app notin (web)", false],
    ["missing notin (web)", true],
    ["missing in (web)", false],
    ["app", true],
    ["!app", false],
    ["!missing", true],
    ["n>4", true],
    ["n>5", false],
    ["n<6", true],
    ["app>1", false],
    ["missing>1", false],
    ["app=web,tier=back", false],
  ];
  for (const [sel, want] of cases) {
    it(`${JSON.stringify(sel)} ${want ? "matches" : "does not match"}`, () => {
      assert.equal(matchesLabels(parseLabelSelector(sel), labels), want);
    });
  }
  it("treats missing labels as an empty set", () => {
    assert.equal(matchesLabels(parseLabelSelector("!a"), undefined), true);
    assert.equal(matchesLabels(parseLabelSelector("a"), undefined), false);
  });
  it("reports the exact match a store can index", () => {
    assert.equal(labelExactMatch(parseLabelSelector("a in (x),b=y"), "a"), "x");
    assert.equal(labelExactMatch(parseLabelSelector("a in (x,z)"), "a"), undefined);
    assert.equal(labelExactMatch(parseLabelSelector("a!=x"), "a"), undefined);
  });
});

describe("metav1.LabelSelector objects", () => {
  it("matches nothing when absent and everything when empty", () => {
    assert.equal(matchesLabels(labelSelectorFromObject(undefined), { a: "b" }), false);
    assert.equal(matchesLabels(labelSelectorFromObject({}), { a: "b" }), true);
  });
  it("ANDs matchLabels and matchExpressions", () => {
    const sel = labelSelectorFromObject({
      matchLabels: { app: "web" },
      matchExpressions: [
        { key: "tier", operator: "In", values: ["front", "edge"] },
        { key: "legacy", operator: "DoesNotExist" },
      ],
    });
    assert.equal(formatLabelSelector(sel), "app=web,!legacy,tier in (edge,front)");
    assert.equal(matchesLabels(sel, { app: "web", tier: "edge" }), true);
    assert.equal(matchesLabels(sel, { app: "web", tier: "edge", legacy: "" }), false);
    assert.equal(matchesLabels(sel, { app: "web", tier: "back" }), false);
  });
  it("rejects an unknown operator and an empty In set with kube's messages", () => {
    assert.throws(
      () => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }),
      { message: `"Gt" is not a valid label selector operator` },
    );
    assert.throws(
      () => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "In", values: [] }] }),
      {
        message: "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
      },
    );
    assert.throws(
      () => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }),
      {
        message: `values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist`,
      },
    );
    assert.throws(() => labelSelectorFromObject({ matchLabels: { "a b": "c" } }), {
      message: `key: Invalid value: "a b": ${keyRule}`,
    });
  });
});
