// Decodes Kubernetes protobuf request bodies (Content-Type application/vnd.kubernetes.protobuf) into
// the JSON object kube-apiserver's JSON encoding would give the same Go struct. kubectl 1.32 and later
// send typed creates (`kubectl create namespace|configmap|secret`, `kubectl debug`, drain's pod
// deletes) this way.
//
// The body is the 4-byte magic "k8s\0" and a runtime.Unknown (typeMeta=1 {apiVersion=1, kind=2},
// raw=2, contentEncoding=3, contentType=4) whose raw is the object's own message (k8s.io/apimachinery
// pkg/runtime/serializer/protobuf). kube ignores field numbers it does not know; kite returns them so
// the API server can warn about them instead of dropping data without a word.
//
// Imports: ../errors.js only.
import { StatusError } from "../errors.js";
import { groupMessages } from "./coordination.js";
import { coreMessages } from "./core.js";
import {
  type FieldDescriptor,
  isScalar,
  isSpecial,
  type MessageDescriptor,
  type MessageRegistry,
} from "./descriptor.js";
import { metaMessages } from "./meta.js";
import { nodeMessages } from "./node.js";
import { podMessages } from "./pod.js";
import { storageMessages } from "./storage.js";
import { readFields, readPackedVarints, WireError, type WireField, wireBytes, wireVarint } from "./wire.js";

/** k8s.io/apimachinery/pkg/runtime/serializer/protobuf protoEncodingPrefix: "k8s\x00" */
export const protobufPrefix = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const registry: MessageRegistry = {
  ...metaMessages,
  ...coreMessages,
  ...podMessages,
  ...storageMessages,
  ...nodeMessages,
  ...groupMessages,
};

/** apiVersion + kind → the message its raw bytes hold */
const roots = new Map<string, string>([
  ["v1/Namespace", "Namespace"],
  ["v1/ConfigMap", "ConfigMap"],
  ["v1/Secret", "Secret"],
  ["v1/Pod", "Pod"],
  ["v1/Binding", "Binding"],
  ["v1/Event", "Event"],
  ["v1/Node", "Node"],
  ["v1/PersistentVolume", "PersistentVolume"],
  ["v1/PersistentVolumeClaim", "PersistentVolumeClaim"],
  ["coordination.k8s.io/v1/Lease", "Lease"],
  ["storage.k8s.io/v1/StorageClass", "StorageClass"],
  ["events.k8s.io/v1/Event", "events.k8s.io/v1.Event"],
  // DeleteOptions is registered in every group version; kubectl's typed clients send it as v1.
  ["v1/DeleteOptions", "DeleteOptions"],
  ["meta.k8s.io/v1/DeleteOptions", "DeleteOptions"],
]);

export interface DecodedProtobuf {
  apiVersion: string;
  kind: string;
  /** the object as kube's JSON encoding would write it, `kind` and `apiVersion` first */
  object: Record<string, unknown>;
  /** field numbers kite's tables do not know, as `<json path>#<number>`, e.g. `spec.containers[0]#99` */
  unknownFieldNumbers: string[];
}

/** Whether kite can decode a protobuf body holding this kind. */
export function supportsProtobuf(apiVersion: string, kind: string): boolean {
  return roots.has(`${apiVersion}/${kind}`);
}

/**
 * Decodes a protobuf request body. `into`, the kind the URL addresses, only shapes error messages the
 * way kube-apiserver's transformDecodeError does; without it the serializer's own text is used.
 */
export function decodeProtobufObject(body: Buffer, into?: string): DecodedProtobuf {
  const envelopeError = (msg: string): StatusError =>
    new StatusError(
      400,
      "BadRequest",
      into
        ? `the object provided is unrecognized (must be of type ${into}): ${msg} (${summarize(body)})`
        : msg,
    );
  if (body.length === 0) throw envelopeError("empty data");
  if (body.length < protobufPrefix.length || !body.subarray(0, protobufPrefix.length).equals(protobufPrefix))
    throw envelopeError(
      `provided data does not appear to be a protobuf message, expected prefix [${[...protobufPrefix].join(" ")}]`,
    );
  if (body.length === protobufPrefix.length) throw envelopeError("empty body");

  let apiVersion = "";
  let kind = "";
  let raw: Buffer = Buffer.alloc(0);
  let contentEncoding = "";
  try {
    for (const field of readFields(body.subarray(protobufPrefix.length))) {
      if (field.no === 1 && field.value instanceof Buffer) {
        for (const tm of readFields(field.value)) {
          if (tm.no === 1 && tm.value instanceof Buffer) apiVersion = tm.value.toString("utf8");
          if (tm.no === 2 && tm.value instanceof Buffer) kind = tm.value.toString("utf8");
        }
      } else if (field.no === 2 && field.value instanceof Buffer) raw = field.value;
      else if (field.no === 3 && field.value instanceof Buffer)
        contentEncoding = field.value.toString("utf8");
    }
  } catch (err) {
    throw envelopeError((err as Error).message);
  }
  const objectError = (msg: string): StatusError =>
    new StatusError(
      400,
      "BadRequest",
      into
        ? `${kind} in version ${JSON.stringify(versionOf(apiVersion))} cannot be handled as a ${into}: ${msg}`
        : msg,
    );
  // runtime.Object.Kind missing/version missing: apimachinery's NewMissingKindErr / NewMissingVersionErr texts
  if (!kind) throw envelopeError(`Object 'Kind' is missing in '${typeMetaText(apiVersion, kind)}'`);
  if (!apiVersion)
    throw envelopeError(`Object 'apiVersion' is missing in '${typeMetaText(apiVersion, kind)}'`);
  if (contentEncoding) throw objectError(`unsupported content encoding ${JSON.stringify(contentEncoding)}`);
  const root = roots.get(`${apiVersion}/${kind}`);
  if (!root) {
    // runtime.NewNotRegisteredErrForKind; kube names its scheme's source file where kite says "kite"
    throw new StatusError(
      400,
      "BadRequest",
      `no kind "${kind}" is registered for version "${apiVersion}" in scheme "kite"`,
    );
  }
  const unknownFieldNumbers: string[] = [];
  let decoded: Record<string, unknown>;
  try {
    decoded = decodeMessage(raw, root, "", unknownFieldNumbers);
  } catch (err) {
    if (err instanceof WireError || err instanceof DecodeError) throw objectError(err.message);
    throw err;
  }
  return { apiVersion, kind, object: { kind, apiVersion, ...decoded }, unknownFieldNumbers };
}

class DecodeError extends Error {}

function versionOf(apiVersion: string): string {
  const i = apiVersion.lastIndexOf("/");
  return i < 0 ? apiVersion : apiVersion.slice(i + 1);
}

/** fmt's %#v of runtime.TypeMeta, as the missing-kind/version errors print it */
function typeMetaText(apiVersion: string, kind: string): string {
  return `runtime.TypeMeta{APIVersion:${JSON.stringify(apiVersion)}, Kind:${JSON.stringify(kind)}}`;
}

/** apiserver's summarizeData: the first 30 bytes, hex for binary bodies */
function summarize(body: Buffer): string {
  if (body.length === 0) return "<empty>";
  const head = body.subarray(0, 30);
  const text = body[0] === 0x7b ? head.toString("utf8") : head.toString("hex");
  return body.length > 30 ? `${text} ...` : text;
}

function messageDescriptor(name: string): MessageDescriptor {
  const d = registry[name];
  if (!d) throw new Error(`protobuf: no descriptor for message ${name}`);
  return d;
}

/** gogo names fields by their Go name in errors; the JSON name capitalised is that name for kube's types */
function goName(field: FieldDescriptor): string {
  const n = field.json || field.type;
  return n.charAt(0).toUpperCase() + n.slice(1);
}

function wrongWireType(field: FieldDescriptor, wireType: number): DecodeError {
  return new DecodeError(`proto: wrong wireType = ${wireType} for field ${goName(field)}`);
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** Decodes one message into its JSON object, following Go's encoding/json rules for each field. */
function decodeMessage(buf: Buffer, name: string, path: string, unknown: string[]): Record<string, unknown> {
  const desc = messageDescriptor(name);
  const byNo = new Map<number, FieldDescriptor>(desc.map((d) => [d.no, d]));
  const seen = new Map<number, WireField[]>();
  for (const w of readFields(buf)) {
    if (!byNo.has(w.no)) {
      const u = `${path}#${w.no}`;
      if (!unknown.includes(u)) unknown.push(u);
      continue;
    }
    const list = seen.get(w.no);
    if (list) list.push(w);
    else seen.set(w.no, [w]);
  }
  const out: Record<string, unknown> = {};
  for (const field of desc) {
    const wires = seen.get(field.no) ?? [];
    const fieldPath = field.json ? join(path, field.json) : path;
    if (field.json === "") {
      // embedded with `json:",inline"`: a struct, always present
      Object.assign(out, decodeMessage(concat(wires, field), field.type, path, unknown));
      continue;
    }
    const value = decodeField(field, wires, fieldPath, unknown);
    if (value !== omit) out[field.json] = value;
  }
  return out;
}

const omit = Symbol("omit");

function decodeField(field: FieldDescriptor, wires: WireField[], path: string, unknown: string[]): unknown {
  if (field.map) {
    if (wires.length === 0) return field.omitEmpty ? omit : null;
    const m: Record<string, unknown> = {};
    for (const w of wires) {
      if (!(w.value instanceof Buffer)) throw wrongWireType(field, w.wireType);
      let key = "";
      let valueWire: WireField | undefined;
      for (const e of readFields(w.value)) {
        if (e.no === 1) {
          if (!(e.value instanceof Buffer)) throw wrongWireType(field, e.wireType);
          key = e.value.toString("utf8");
        } else if (e.no === 2) valueWire = e;
      }
      m[key] = valueWire ? decodeSingle(field, [valueWire], `${path}[${key}]`, unknown) : zeroValue(field);
    }
    return m;
  }
  if (field.repeated) {
    const items: unknown[] = [];
    for (const w of wires) {
      const numeric = field.type === "int32" || field.type === "int64" || field.type === "bool";
      if (numeric && w.wireType === wireBytes && w.value instanceof Buffer) {
        for (const v of readPackedVarints(w.value)) items.push(scalarFromVarint(field, v));
      } else items.push(decodeSingle(field, [w], `${path}[${items.length}]`, unknown));
    }
    if (items.length === 0) return field.omitEmpty ? omit : null;
    return items;
  }
  if (wires.length === 0) {
    if (field.pointer) return field.omitEmpty ? omit : null;
    if (isScalar(field.type)) return field.omitEmpty ? omit : zeroValue(field);
    return zeroValue(field); // structs are always written
  }
  const value = decodeSingle(field, wires, path, unknown);
  if (!field.pointer && field.omitEmpty && isScalar(field.type) && isZero(value)) return omit;
  return value;
}

function isZero(v: unknown): boolean {
  return v === "" || v === 0 || v === false;
}

function zeroValue(field: FieldDescriptor): unknown {
  switch (field.type) {
    case "string":
    case "bytes":
      return "";
    case "int32":
    case "int64":
      return 0;
    case "bool":
      return false;
    case "Time":
    case "MicroTime":
    case "FieldsV1":
      return null;
    case "Quantity":
      return "0";
    case "IntOrString":
      return 0;
    default:
      return {};
  }
}

function concat(wires: WireField[], field: FieldDescriptor): Buffer {
  const parts: Buffer[] = [];
  for (const w of wires) {
    if (!(w.value instanceof Buffer)) throw wrongWireType(field, w.wireType);
    parts.push(w.value);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function scalarFromVarint(field: FieldDescriptor, v: bigint): unknown {
  switch (field.type) {
    case "bool":
      return v !== 0n;
    case "int32":
      return Number(BigInt.asIntN(32, v));
    default:
      return Number(BigInt.asIntN(64, v));
  }
}

/**
 * One value from the wire records that carry it: the last record for scalars (protobuf's "last one
 * wins"), all records merged for messages (how gogo's Unmarshal treats a repeated embedded message).
 */
function decodeSingle(field: FieldDescriptor, wires: WireField[], path: string, unknown: string[]): unknown {
  const last = wires[wires.length - 1]!;
  switch (field.type) {
    case "string":
      if (!(last.value instanceof Buffer)) throw wrongWireType(field, last.wireType);
      return last.value.toString("utf8");
    case "bytes":
      if (!(last.value instanceof Buffer)) throw wrongWireType(field, last.wireType);
      return last.value.toString("base64");
    case "int32":
    case "int64":
    case "bool":
      if (last.wireType !== wireVarint || typeof last.value !== "bigint")
        throw wrongWireType(field, last.wireType);
      return scalarFromVarint(field, last.value);
  }
  const buf = concat(wires, field);
  if (isSpecial(field.type)) return decodeSpecial(field, buf);
  return decodeMessage(buf, field.type, path, unknown);
}

function decodeSpecial(field: FieldDescriptor, buf: Buffer): unknown {
  switch (field.type) {
    case "Time":
    case "MicroTime": {
      // metav1.Time.Unmarshal: an empty message is the zero time, which encodes as null
      if (buf.length === 0) return null;
      let seconds = 0n;
      let nanos = 0;
      for (const w of readFields(buf)) {
        if (w.no === 1 && typeof w.value === "bigint") seconds = BigInt.asIntN(64, w.value);
        if (w.no === 2 && typeof w.value === "bigint") nanos = Number(BigInt.asIntN(32, w.value));
      }
      return formatTime(seconds, field.type === "MicroTime", nanos);
    }
    case "Quantity": {
      // resource.Quantity's protobuf form is its canonical string (field 1), which is also its JSON
      let s = "";
      for (const w of readFields(buf))
        if (w.no === 1 && w.value instanceof Buffer) s = w.value.toString("utf8");
      return s === "" ? "0" : s;
    }
    case "IntOrString": {
      let type = 0n;
      let intVal = 0;
      let strVal = "";
      for (const w of readFields(buf)) {
        if (w.no === 1 && typeof w.value === "bigint") type = w.value;
        if (w.no === 2 && typeof w.value === "bigint") intVal = Number(BigInt.asIntN(32, w.value));
        if (w.no === 3 && w.value instanceof Buffer) strVal = w.value.toString("utf8");
      }
      return type === 1n ? strVal : intVal;
    }
    case "FieldsV1": {
      // FieldsV1{Raw=1} holds JSON, which its MarshalJSON writes verbatim
      let raw: Buffer | undefined;
      for (const w of readFields(buf)) if (w.no === 1 && w.value instanceof Buffer) raw = w.value;
      if (!raw || raw.length === 0) return null;
      try {
        return JSON.parse(raw.toString("utf8"));
      } catch (err) {
        throw new DecodeError(`metav1.FieldsV1: ${(err as Error).message}`);
      }
    }
  }
  throw new Error(`protobuf: unhandled type ${field.type}`);
}

/** Time: RFC 3339 to the second; MicroTime: RFC 3339 with six fractional digits. UTC, written "Z". */
function formatTime(seconds: bigint, micro: boolean, nanos: number): string {
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19); // YYYY-MM-DDTHH:mm:ss
  if (!micro) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z`;
}
