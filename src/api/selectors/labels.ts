// Label selectors: the string syntax of `?labelSelector=` / `kubectl -l`, and metav1.LabelSelector objects,
// parsed into one matcher. The lexer, the parser and every error message follow
// k8s.io/apimachinery/pkg/labels/selector.go, because kubectl prints the server's message as is:
//   Error from server (BadRequest): unable to parse requirement: <nil>: Invalid value: "a b": ...
import type { LabelSelector as LabelSelectorObject } from "kubernetes-types/meta/v1.js";
import { badRequest } from "../errors.js";
import {
  aggregate,
  compareGoStrings,
  goQuote,
  goStringSlice,
  invalidFieldError,
  isQualifiedName,
  isValidLabelValue,
} from "./validation.js";

/** selection.Operator values, spelled as apimachinery spells them. */
export type LabelOperator = "in" | "notin" | "=" | "==" | "!=" | "exists" | "!" | "gt" | "lt";

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** sorted and unique for parsed selectors, as sets.String.List() leaves them */
  values: string[];
}

/** Requirements are ANDed; `nothing` is labels.Nothing() (a nil metav1.LabelSelector), which matches no object. */
export interface LabelSelector {
  requirements: LabelRequirement[];
  nothing?: boolean;
}

/** A selector that does not parse; `message` is apimachinery's text. */
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SelectorError";
  }
}

export const everything: LabelSelector = Object.freeze({ requirements: [] }) as LabelSelector;
export const nothing: LabelSelector = Object.freeze({ requirements: [], nothing: true }) as LabelSelector;

const binaryOperators = ["in", "notin", "=", "==", "!=", "gt", "lt"];

// --- lexer --------------------------------------------------------------------------------------

enum Tok {
  Error = 0,
  EndOfString,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
}

const string2token: Record<string, Tok> = {
  ")": Tok.ClosedPar,
  ",": Tok.Comma,
  "!": Tok.DoesNotExist,
  "==": Tok.DoubleEquals,
  "=": Tok.Equals,
  ">": Tok.GreaterThan,
  in: Tok.In,
  "<": Tok.LessThan,
  "!=": Tok.NotEquals,
  notin: Tok.NotIn,
  "(": Tok.OpenPar,
};

interface Item {
  tok: Tok;
  lit: string;
}

const isWhitespace = (ch: string) => ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
const isSpecialSymbol = (ch: string) => "=!(),><".includes(ch) && ch !== "";

function tokenOf(s: string): Tok | undefined {
  return Object.hasOwn(string2token, s) ? string2token[s] : undefined;
}

function lex(s: string): Item[] {
  let pos = 0;
  // Go's lexer reads bytes and treats NUL as the end of input; so do we.
  const read = (): string => {
    if (pos < s.length) {
      const ch = s[pos++] ?? "";
      return ch === "\0" ? "" : ch;
    }
    pos++;
    return "";
  };
  const unread = () => {
    pos--;
  };
  const items: Item[] = [];
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    let item: Item;
    if (ch === "") {
      item = { tok: Tok.EndOfString, lit: "" };
    } else if (isSpecialSymbol(ch)) {
      unread();
      let buffer = "";
      let last: Item | undefined;
      for (;;) {
        const c = read();
        if (c === "") break;
        if (isSpecialSymbol(c)) {
          buffer += c;
          const t = tokenOf(buffer);
          if (t !== undefined) {
            last = { tok: t, lit: buffer };
          } else if (last) {
            unread();
            break;
          }
        } else {
          unread();
          break;
        }
      }
      item = last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buffer}'` };
    } else {
      unread();
      let buffer = "";
      for (;;) {
        const c = read();
        if (c === "") break;
        if (isSpecialSymbol(c) || isWhitespace(c)) {
          unread();
          break;
        }
        buffer += c;
      }
      item = { tok: tokenOf(buffer) ?? Tok.Identifier, lit: buffer };
    }
    items.push(item);
    if (item.tok === Tok.EndOfString) return items;
  }
}

// --- parser -------------------------------------------------------------------------------------

type Context = "keyAndOperator" | "values";

function parseString(selector: string): LabelRequirement[] {
  const items = lex(selector);
  let position = 0;
  // In the values context `in` and `notin` are plain identifiers: `x in (in)` is legal.
  const view = (it: Item, ctx: Context): Item =>
    ctx === "values" && (it.tok === Tok.In || it.tok === Tok.NotIn)
      ? { tok: Tok.Identifier, lit: it.lit }
      : it;
  const lookahead = (ctx: Context): Item => view(items[position] as Item, ctx);
  const consume = (ctx: Context): Item => view(items[position++] as Item, ctx);

  const parseKeyAndInferOperator = (): { key: string; op: LabelOperator | "" } => {
    let op: LabelOperator | "" = "";
    let it = consume("values");
    if (it.tok === Tok.DoesNotExist) {
      op = "!";
      it = consume("values");
    }
    if (it.tok !== Tok.Identifier) throw new SelectorError(`found '${it.lit}', expected: identifier`);
    const keyErrs = isQualifiedName(it.lit);
    // The parser validates the key with a nil field path, which Go prints as "<nil>".
    if (keyErrs.length)
      throw new SelectorError(invalidFieldError("<nil>", goQuote(it.lit), keyErrs.join("; ")));
    const next = lookahead("values").tok;
    if ((next === Tok.EndOfString || next === Tok.Comma) && op !== "!") op = "exists";
    return { key: it.lit, op };
  };

  const parseOperator = (): LabelOperator => {
    const it = consume("keyAndOperator");
    switch (it.tok) {
      case Tok.In:
        return "in";
      case Tok.Equals:
        return "=";
      case Tok.DoubleEquals:
        return "==";
      case Tok.GreaterThan:
        return "gt";
      case Tok.LessThan:
        return "lt";
      case Tok.NotIn:
        return "notin";
      case Tok.NotEquals:
        return "!=";
      default:
        throw new SelectorError(`found '${it.lit}', expected: ${binaryOperators.join(", ")}`);
    }
  };

  const parseIdentifiersList = (): Set<string> => {
    const s = new Set<string>();
    for (;;) {
      const it = consume("values");
      if (it.tok === Tok.Identifier) {
        s.add(it.lit);
        const next = lookahead("values");
        if (next.tok === Tok.Comma) continue;
        if (next.tok === Tok.ClosedPar) return s;
        throw new SelectorError(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (it.tok === Tok.Comma) {
        // "(,", ",)" and ",," each stand for the empty value
        if (s.size === 0) s.add("");
        const next = lookahead("values").tok;
        if (next === Tok.ClosedPar) {
          s.add("");
          return s;
        }
        if (next === Tok.Comma) {
          consume("values");
          s.add("");
        }
        continue;
      }
      throw new SelectorError(`found '${it.lit}', expected: ',', or identifier`);
    }
  };

  const parseValues = (): Set<string> => {
    const open = consume("values");
    if (open.tok !== Tok.OpenPar) throw new SelectorError(`found '${open.lit}' expected: '('`);
    const first = lookahead("values");
    if (first.tok === Tok.Identifier || first.tok === Tok.Comma) {
      const s = parseIdentifiersList();
      if (consume("values").tok !== Tok.ClosedPar)
        throw new SelectorError(`found '${first.lit}', expected: ')'`);
      return s;
    }
    if (first.tok === Tok.ClosedPar) {
      consume("values");
      return new Set([""]);
    }
    throw new SelectorError(`found '${first.lit}', expected: ',', ')' or identifier`);
  };

  const parseExactValue = (): Set<string> => {
    const next = lookahead("values").tok;
    if (next === Tok.EndOfString || next === Tok.Comma) return new Set([""]);
    const it = consume("values");
    if (it.tok === Tok.Identifier) return new Set([it.lit]);
    throw new SelectorError(`found '${it.lit}', expected: identifier`);
  };

  const parseRequirement = (): LabelRequirement => {
    const { key, op: inferred } = parseKeyAndInferOperator();
    if (inferred === "exists" || inferred === "!") return newRequirement(key, inferred, []);
    const op = parseOperator();
    const values = op === "in" || op === "notin" ? parseValues() : parseExactValue();
    return newRequirement(key, op, [...values].sort(compareGoStrings));
  };

  const requirements: LabelRequirement[] = [];
  for (;;) {
    const it = lookahead("values");
    if (it.tok === Tok.Identifier || it.tok === Tok.DoesNotExist) {
      let r: LabelRequirement;
      try {
        r = parseRequirement();
      } catch (err) {
        if (err instanceof SelectorError)
          throw new SelectorError(`unable to parse requirement: ${err.message}`);
        throw err;
      }
      requirements.push(r);
      const after = consume("values");
      if (after.tok === Tok.EndOfString) return requirements;
      if (after.tok === Tok.Comma) {
        const next = lookahead("values");
        if (next.tok !== Tok.Identifier && next.tok !== Tok.DoesNotExist) {
          throw new SelectorError(`found '${next.lit}', expected: identifier after ','`);
        }
        continue;
      }
      throw new SelectorError(`found '${after.lit}', expected: ',' or 'end of string'`);
    }
    if (it.tok === Tok.EndOfString) return requirements;
    throw new SelectorError(`found '${it.lit}', expected: !, identifier, or 'end of string'`);
  }
}

const int64Pattern = /^[+-]?[0-9]+$/;
const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** strconv.ParseInt(v, 10, 64), or undefined where Go returns an error. */
function parseInt64(v: string): bigint | undefined {
  if (!int64Pattern.test(v)) return undefined;
  const n = BigInt(v);
  return n < int64Min || n > int64Max ? undefined : n;
}

/** labels.NewRequirement: validates and returns the requirement, or throws the aggregated field errors. */
export function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(invalidFieldError("key", goQuote(key), keyErrs.join("; ")));
  switch (operator) {
    case "in":
    case "notin":
      if (values.length === 0) {
        errs.push(
          invalidFieldError(
            "values",
            goStringSlice(values),
            "for 'in', 'notin' operators, values set can't be empty",
          ),
        );
      }
      break;
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1) {
        errs.push(
          invalidFieldError(
            "values",
            goStringSlice(values),
            "exact-match compatibility requires one single value",
          ),
        );
      }
      break;
    case "exists":
    case "!":
      if (values.length !== 0) {
        errs.push(
          invalidFieldError(
            "values",
            goStringSlice(values),
            "values set must be empty for exists and does not exist",
          ),
        );
      }
      break;
    case "gt":
    case "lt":
      if (values.length !== 1) {
        errs.push(
          invalidFieldError(
            "values",
            goStringSlice(values),
            "for 'Gt', 'Lt' operators, exactly one value is required",
          ),
        );
      }
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(
            invalidFieldError(
              `values[${i}]`,
              goQuote(v),
              "for 'Gt', 'Lt' operators, the value must be an integer",
            ),
          );
        }
      });
      break;
    default:
      errs.push(
        `operator: Unsupported value: ${goQuote(operator)}: supported values: ${[...binaryOperators, "exists", "!"].map(goQuote).join(", ")}`,
      );
  }
  values.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length)
      errs.push(invalidFieldError(`values[${i}][${key}]`, goQuote(v), valueErrs.join("; ")));
  });
  if (errs.length) throw new SelectorError(aggregate(errs));
  return { key, operator, values };
}

function sortByKey(reqs: LabelRequirement[]): LabelRequirement[] {
  // sort.Sort(ByKey) is not stable; a stable sort gives the same order for distinct keys.
  return reqs.sort((a, b) => compareGoStrings(a.key, b.key));
}

/** labels.Parse. Throws SelectorError with apimachinery's message. The empty string selects everything. */
export function parseLabelSelector(selector: string): LabelSelector {
  return { requirements: sortByKey(parseString(selector)) };
}

/** The `?labelSelector=` query parameter: a bad selector is kube-apiserver's 400 BadRequest. */
export function parseLabelSelectorParam(selector: string | undefined | null): LabelSelector {
  if (!selector) return everything;
  try {
    return parseLabelSelector(selector);
  } catch (err) {
    throw toBadRequest(err);
  }
}

function toBadRequest(err: unknown): unknown {
  return err instanceof SelectorError ? badRequest(err.message) : err;
}

const selectorOperators: Record<string, LabelOperator> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
};

/**
 * metav1.LabelSelectorAsSelector: a missing selector matches nothing, an empty one everything.
 * Throws SelectorError for invalid keys, values or operators, with apimachinery's messages.
 */
export function labelSelectorFromObject(ls: LabelSelectorObject | undefined | null): LabelSelector {
  if (ls === undefined || ls === null) return nothing;
  const matchLabels = Object.entries(ls.matchLabels ?? {});
  const exprs = ls.matchExpressions ?? [];
  if (matchLabels.length + exprs.length === 0) return everything;
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of matchLabels) reqs.push(newRequirement(k, "=", [v]));
  for (const e of exprs) {
    const op = Object.hasOwn(selectorOperators, e.operator) ? selectorOperators[e.operator] : undefined;
    if (!op) throw new SelectorError(`${goQuote(e.operator)} is not a valid label selector operator`);
    reqs.push(newRequirement(e.key, op, [...(e.values ?? [])]));
  }
  return { requirements: sortByKey(reqs) };
}

function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case "in":
    case "=":
    case "==":
      return has && r.values.includes(value ?? "");
    case "notin":
    case "!=":
      return !has || !r.values.includes(value ?? "");
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || r.values.length !== 1) return false;
      const lv = parseInt64(value ?? "");
      const rv = parseInt64(r.values[0] ?? "");
      if (lv === undefined || rv === undefined) return false;
      return r.operator === "gt" ? lv > rv : lv < rv;
    }
    default:
      return false;
  }
}

/** Selector.Matches. Labels may be missing (an object without metadata.labels). */
export function matchesLabels(
  sel: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined | null,
): boolean {
  if (sel.nothing) return false;
  const ls = labels ?? {};
  return sel.requirements.every((r) => requirementMatches(r, ls));
}

export function isEverything(sel: LabelSelector): boolean {
  return !sel.nothing && sel.requirements.length === 0;
}

function requirementString(r: LabelRequirement): string {
  const key = r.operator === "!" ? `!${r.key}` : r.key;
  const values = [...r.values].sort(compareGoStrings).join(",");
  switch (r.operator) {
    case "exists":
    case "!":
      return key;
    case "in":
      return `${key} in (${values})`;
    case "notin":
      return `${key} notin (${values})`;
    case "gt":
      return `${key}>${values}`;
    case "lt":
      return `${key}<${values}`;
    default:
      return `${key}${r.operator}${values}`;
  }
}

/** Selector.String(): the canonical form, e.g. `app=web,tier in (a,b),!legacy`. */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel.requirements.map(requirementString).join(",");
}

/**
 * RequiresExactMatch: the single value a selector pins `key` to, if it does; lets a store use an index.
 */
export function labelExactMatch(sel: LabelSelector, key: string): string | undefined {
  const r = sel.requirements.find((x) => x.key === key);
  if (!r) return undefined;
  if ((r.operator === "=" || r.operator === "==" || r.operator === "in") && r.values.length === 1)
    return r.values[0];
  return undefined;
}
