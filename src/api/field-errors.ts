// Field-level validation errors, the shape of k8s.io/apimachinery/pkg/util/validation/field.
// `invalid()` joins them into the single message kubectl prints:
//   The Pod "x" is invalid: spec.containers[1].name: Duplicate value: "web"
import { StatusError } from "./errors.js";

export type FieldErrorType =
  | "FieldValueNotFound"
  | "FieldValueRequired"
  | "FieldValueDuplicate"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueForbidden"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "InternalError"
  | "FieldValueTypeInvalid";

export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** the offending value, omitted for Required/Forbidden/TooMany as Kubernetes does */
  value?: unknown;
  detail?: string;
  /** for NotSupported: the values that are */
  supported?: string[];
}

const typeText: Record<FieldErrorType, string> = {
  FieldValueNotFound: "Not found",
  FieldValueRequired: "Required value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueForbidden: "Forbidden",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  InternalError: "Internal error",
  FieldValueTypeInvalid: "Invalid value",
};

const omitValue = new Set<FieldErrorType>([
  "FieldValueRequired",
  "FieldValueForbidden",
  "FieldValueTooLong",
  "FieldValueTooMany",
  "InternalError",
]);

function formatValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v === null || v === undefined) return "null";
  return JSON.stringify(v);
}

/** One error as field.Error.Error() prints it. */
export function formatFieldError(e: FieldError): string {
  let s = `${e.field}: ${typeText[e.type]}`;
  if (!omitValue.has(e.type) && "value" in e) s += `: ${formatValue(e.value)}`;
  if (e.type === "FieldValueNotSupported" && e.supported?.length) {
    s += `: supported values: ${e.supported.map((v) => JSON.stringify(v)).join(", ")}`;
  } else if (e.detail) {
    s += `: ${e.detail}`;
  }
  return s;
}

export const fieldErr = {
  required: (field: string, detail?: string): FieldError => ({ type: "FieldValueRequired", field, detail }),
  invalid: (field: string, value: unknown, detail?: string): FieldError => ({
    type: "FieldValueInvalid",
    field,
    value,
    detail,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({ type: "FieldValueDuplicate", field, value }),
  notSupported: (field: string, value: unknown, supported: string[]): FieldError => ({
    type: "FieldValueNotSupported",
    field,
    value,
    supported,
  }),
  forbidden: (field: string, detail: string): FieldError => ({ type: "FieldValueForbidden", field, detail }),
  tooLong: (field: string, value: unknown, max: number): FieldError => ({
    type: "FieldValueTooLong",
    field,
    value,
    detail: `may not be more than ${max} bytes`,
  }),
  notFound: (field: string, value: unknown): FieldError => ({ type: "FieldValueNotFound", field, value }),
};

/** The 422 a failed validation returns (apimachinery errors.NewInvalid). */
export function invalid(kind: string, group: string, name: string, errs: FieldError[]): StatusError {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const msgs = errs.map(formatFieldError);
  const joined = msgs.length === 1 ? msgs[0] : `[${msgs.join(", ")}]`;
  return new StatusError(422, "Invalid", `${qualifiedKind} "${name}" is invalid: ${joined}`, {
    name,
    group,
    kind,
    causes: errs.map((e) => ({
      reason: e.type,
      message: formatFieldError(e).slice(e.field.length + 2),
      field: e.field,
    })),
  });
}
