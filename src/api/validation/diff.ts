// Structural equality and the diff kube appends to "may not change" messages. Kube prints
// go-cmp's rendering of the whole internal struct (e.g. `core.PodSpec{ … }`); kite prints only the
// changed leaves, one `-`/`+` pair per field, inside the same frame — shorter, same meaning.

/** JSON with sorted keys and undefined members dropped: equal objects give equal strings. */
export function canonicalJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJSON(x)}`).join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}

export function sameJSON(a: unknown, b: unknown): boolean {
  return canonicalJSON(a) === canonicalJSON(b);
}

/** Go field name as cmp.Diff prints it: the JSON name with its first letter upper-cased. */
function goName(k: string): string {
  return k.charAt(0).toUpperCase() + k.slice(1);
}

function diffLines(a: unknown, b: unknown, path: string, out: string[]): void {
  if (sameJSON(a, b)) return;
  const bothObjects =
    a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b);
  if (bothObjects && Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => {
      diffLines(x, b[i], `${path}[${i}]`, out);
    });
    return;
  }
  if (bothObjects && !Array.isArray(a)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])];
    for (const k of keys) diffLines(ao[k], bo[k], path ? `${path}.${goName(k)}` : goName(k), out);
    return;
  }
  if (a !== undefined) out.push(`- \t${path}: ${JSON.stringify(a)},`);
  if (b !== undefined) out.push(`+ \t${path}: ${JSON.stringify(b)},`);
}

/** `  core.PodSpec{` / changed leaves / `  }`, as appended after the forbidden message. */
export function structDiff(typeName: string, oldVal: unknown, newVal: unknown): string {
  const lines: string[] = [];
  diffLines(oldVal ?? {}, newVal ?? {}, "", lines);
  return [`  ${typeName}{`, ...lines, "  }", ""].join("\n");
}
