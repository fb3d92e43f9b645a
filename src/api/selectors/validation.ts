// The Go formatting the selector parser's messages use, and the label key and value rules it
// enforces (re-exported from the API's own validation, apimachinery's messages verbatim).

/** Go's %q (strconv.Quote) for the printable-ASCII and common cases kube messages meet. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c === 7) out += "\\a";
    else if (c === 8) out += "\\b";
    else if (c === 12) out += "\\f";
    else if (c === 11) out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Go's %#v of a []string, which field.Invalid prints for a list-valued bad value. */
export function goStringSlice(values: readonly string[]): string {
  return `[]string{${values.map(goQuote).join(", ")}}`;
}

/** One field.Error of type Invalid as Error() prints it: `<field>: Invalid value: <value>: <detail>`. */
export function invalidFieldError(field: string, value: string, detail: string): string {
  return `${field}: Invalid value: ${value}: ${detail}`;
}

/** utilerrors.NewAggregate(...).Error(): one message alone, several deduplicated inside brackets. */
export function aggregate(msgs: readonly string[]): string {
  const seen: string[] = [];
  for (const m of msgs) if (!seen.includes(m)) seen.push(m);
  if (seen.length === 1) return seen[0] ?? "";
  return `[${seen.join(", ")}]`;
}

/** Go's sort.Strings order (bytewise), which differs from JS's UTF-16 order outside the BMP. */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

// The naming rules are the API validation's own: one implementation, in src/api/validation/names.ts.
export { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from "../validation/names.js";
