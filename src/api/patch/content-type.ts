// Which patch a PATCH request carries, from its Content-Type, and the checks kube-apiserver's
// patch handler makes on ?fieldManager= and ?force= before applying it.
import { StatusError } from "../errors.js";
import { type FieldError, fieldErr, invalid } from "../field-errors.js";

export type PatchType = "json" | "merge" | "strategic" | "apply";

const mediaTypes: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
};

/**
 * The patch type a Content-Type names, parameters after `;` ignored. Anything else — including
 * `application/apply-patch+cbor`, which kube only accepts behind a feature gate, and a strategic
 * merge patch when `strategicSupported` is false (custom resources) — is kube's 415, whose
 * message lists what the resource accepts.
 */
export function patchTypeOf(
  contentType: string | undefined,
  opts: { strategicSupported?: boolean } = {},
): PatchType {
  const strategic = opts.strategicSupported ?? true;
  const raw = contentType ?? "";
  const i = raw.indexOf(";");
  const media = (i > 0 ? raw.slice(0, i) : raw).trim();
  const type = Object.hasOwn(mediaTypes, media) ? mediaTypes[media] : undefined;
  if (!type || (type === "strategic" && !strategic)) {
    const accepted = Object.keys(mediaTypes).filter((m) => strategic || mediaTypes[m] !== "strategic");
    throw new StatusError(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    );
  }
  return type;
}

/** kube's FieldManagerMaxLength, in bytes. */
export const fieldManagerMaxLength = 128;

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * The manager a write is recorded under: ?fieldManager= when given (kubectl sends
 * "kubectl-create", "kubectl-edit", "kubectl-client-side-apply", …), else the User-Agent's program
 * name before the first "/", without unprintable characters, cut to 128 bytes — so a client
 * library's "node-fetch/1.0" writes as "node-fetch" (prefixFromUserAgent).
 */
export function defaultManagerName(userAgent: string | undefined, fieldManager?: string): string {
  if (fieldManager) return fieldManager;
  const first = (userAgent ?? "").split("/")[0] ?? "";
  let out = "";
  let bytes = 0;
  for (const ch of first) {
    if (!printable.test(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > fieldManagerMaxLength) break;
    out += ch;
    bytes += n;
  }
  return out;
}

function runeName(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = cp.toString(16).toUpperCase().padStart(4, "0");
  return printable.test(ch) ? `U+${hex} '${ch}'` : `U+${hex}`;
}

/**
 * ValidatePatchOptions / ValidateUpdateOptions / ValidateCreateOptions for the field manager:
 * required for apply, at most 128 bytes, printable; `force` only with apply. Returns the 422
 * kube answers (`PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is
 * required for apply patch`) or undefined.
 */
export function validateFieldManager(
  fieldManager: string | undefined,
  opts: { options: "PatchOptions" | "UpdateOptions" | "CreateOptions"; apply?: boolean; force?: boolean },
): StatusError | undefined {
  const errs: FieldError[] = [];
  const fm = fieldManager ?? "";
  if (opts.apply) {
    if (fm === "") errs.push(fieldErr.required("fieldManager", "is required for apply patch"));
  } else if (opts.force !== undefined) {
    errs.push(fieldErr.forbidden("force", "may not be specified for non-apply patch"));
  }
  if (Buffer.byteLength(fm) > fieldManagerMaxLength)
    errs.push(fieldErr.tooLong("fieldManager", "", fieldManagerMaxLength));
  let pos = 0;
  for (const ch of fm) {
    if (!printable.test(ch)) {
      errs.push(
        fieldErr.invalid("fieldManager", fm, `invalid character ${runeName(ch)} (at position ${pos})`),
      );
    }
    pos += Buffer.byteLength(ch);
  }
  return errs.length ? invalid(opts.options, "meta.k8s.io", "", errs) : undefined;
}
