// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): "100m", "2Gi", "1e3", "0.5".
// A quantity is kept as an exact count of nano-units (bigint), which is kube's own precision: values
// finer than 1n are rounded up on parse, as ParseQuantity does. The suffix family (decimal SI,
// binary SI, decimal exponent) is remembered because the canonical form depends on it: kube returns
// "0.5" as "500m", "1000m" as "1", "1536Mi" as "1536Mi" and "1.5Gi" as "1536Mi".

export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

export interface Quantity {
  /** the value in units of 10^-9 */
  nanos: bigint;
  format: QuantityFormat;
}

/** kube's ErrFormatWrong, which kubectl users see for malformed quantities. */
export const quantityFormatError =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** kube's ErrSuffix */
export const quantitySuffixError = "unable to parse quantity's suffix";

export class QuantityError extends Error {
  override name = "QuantityError";
}

const decimalSuffixes: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

const NANO = 1_000_000_000n;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Ceiling division for a possibly negative numerator and positive divisor. */
function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

/**
 * Parses a quantity as ParseQuantity does; throws QuantityError with kube's message otherwise.
 * Numbers are accepted because YAML `cpu: 1` arrives as a JSON number, which kube reads as its text.
 */
export function parseQuantity(input: string | number): Quantity {
  const str = typeof input === "number" ? numberText(input) : input;
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(str);
  if (!m || str.length === 0) throw new QuantityError(quantityFormatError);
  const sign = m[1] ?? "";
  const whole = m[2] ?? "";
  const frac = m[3] ?? "";
  const suffix = m[4] ?? "";
  if (whole.length === 0 && frac.length === 0) throw new QuantityError(quantityFormatError);
  if (!/^[eEinumkKMGTP]*[-+]?[0-9]*$/.test(suffix)) throw new QuantityError(quantityFormatError);

  let format: QuantityFormat;
  let tenExp = 0;
  let twoExp = 0;
  if (suffix in decimalSuffixes) {
    format = "DecimalSI";
    tenExp = decimalSuffixes[suffix] ?? 0;
  } else if (suffix in binarySuffixes) {
    format = "BinarySI";
    twoExp = binarySuffixes[suffix] ?? 0;
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = "DecimalExponent";
    tenExp = Number.parseInt(suffix.slice(1), 10);
    if (Math.abs(tenExp) > 1000) throw new QuantityError(quantitySuffixError);
  } else {
    throw new QuantityError(quantitySuffixError);
  }

  // value = digits * 10^(tenExp - frac.length) * 2^twoExp; kept in nanos, rounded up (away from zero
  // for positive values, as inf.Dec RoundUp does on the magnitude).
  const digits = BigInt((whole || "0") + frac);
  const scale = tenExp - frac.length + 9;
  let magnitude = digits * (1n << BigInt(twoExp));
  if (scale >= 0) magnitude *= pow10(scale);
  else magnitude = ceilDiv(magnitude, pow10(-scale));
  const nanos = sign === "-" ? -magnitude : magnitude;
  return { nanos, format };
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(quantityFormatError);
  return String(n);
}

/** True when parseQuantity would accept the value. */
export function isQuantity(input: unknown): boolean {
  if (typeof input !== "string" && typeof input !== "number") return false;
  try {
    parseQuantity(input);
    return true;
  } catch {
    return false;
  }
}

/** The canonical text kube serializes (Quantity.String / CanonicalizeBytes). */
export function formatQuantity(q: Quantity): string {
  if (q.nanos === 0n) return "0";
  const neg = q.nanos < 0n;
  const abs = neg ? -q.nanos : q.nanos;
  const sign = neg ? "-" : "";
  if (q.format === "BinarySI" && abs % NANO === 0n && abs / NANO >= 1024n) {
    let units = abs / NANO;
    let i = 0;
    const names = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    while (i < names.length - 1 && units % 1024n === 0n) {
      units /= 1024n;
      i++;
    }
    return `${sign}${units}${names[i]}`;
  }
  // Decimal: the largest exponent, a multiple of 3 from -9 up, that leaves an integer mantissa.
  let exp = -9;
  let mantissa = abs;
  const maxExp = q.format === "DecimalExponent" ? Number.POSITIVE_INFINITY : 18;
  while (exp + 3 <= maxExp && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exp += 3;
  }
  if (q.format === "DecimalExponent") return `${sign}${mantissa}${exp === 0 ? "" : `e${exp}`}`;
  const suffix = Object.entries(decimalSuffixes).find(([, e]) => e === exp)?.[0] ?? "";
  return `${sign}${mantissa}${suffix}`;
}

/** Parses and re-formats: "0.5" → "500m", "1000m" → "1", "1024Mi" → "1Gi". Throws on bad input. */
export function canonicalizeQuantity(input: string | number): string {
  return formatQuantity(parseQuantity(input));
}

/** -1, 0 or 1, as Quantity.Cmp. */
export function compareQuantities(a: Quantity | string | number, b: Quantity | string | number): number {
  const x = toQ(a).nanos;
  const y = toQ(b).nanos;
  return x < y ? -1 : x > y ? 1 : 0;
}

function toQ(v: Quantity | string | number): Quantity {
  return typeof v === "object" ? v : parseQuantity(v);
}

/** MilliValue: the value in thousandths, rounded up ("100m" → 100, "1" → 1000). */
export function quantityToMillis(v: Quantity | string | number): bigint {
  return ceilDiv(toQ(v).nanos, 1_000_000n);
}

/** Value: the value as a whole number, rounded up ("2Gi" → 2147483648, "100m" → 1). */
export function quantityToBytes(v: Quantity | string | number): bigint {
  return ceilDiv(toQ(v).nanos, NANO);
}

export function isZeroQuantity(v: Quantity | string | number): boolean {
  return toQ(v).nanos === 0n;
}

/** Sum, keeping the format of the first operand (Quantity.Add). */
export function addQuantities(a: Quantity | string | number, b: Quantity | string | number): Quantity {
  const x = toQ(a);
  return { nanos: x.nanos + toQ(b).nanos, format: x.format };
}
