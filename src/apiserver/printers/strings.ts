// Small Go-compatible string helpers shared by the printers.

/** Go's sort.Strings order: bytewise UTF-8. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
