// Message descriptors: for each protobuf message kite decodes, its field numbers and the JSON shape the
// Go type gives each field. The numbers come from k8s.io/api's and k8s.io/apimachinery's generated.proto;
// the shapes from the Go structs' json tags, because kube-apiserver decodes protobuf into those structs
// and the JSON a client sees is what encoding/json makes of them.
//
// A field's type is written the way the Go struct declares it, so a table line can be checked by eye
// against types.go:
//   "string", "int32", "int64", "bool"   non-pointer scalar with `omitempty`: zero values are left out
//   "string!"                             no `omitempty`: always written, zero value included
//   "*bool", "*int64", "*Probe"          pointer: written when the sender set it (even to zero/false)
//   "[]string", "[]Container"            slice; left out when empty (with "!" a missing one is `null`)
//   "map[string]string|bytes|Quantity"   map<string, X> (protobuf map entries: key=1, value=2)
//   "bytes"                               []byte, base64 in JSON
//   "Time", "MicroTime"                   meta/v1 Time (seconds=1, nanos=2): RFC 3339, null when zero
//   "Quantity", "IntOrString", "FieldsV1" apimachinery's special types
//   "ObjectMeta", "PodSpec", …            a nested struct: always written, `{}` when absent
// A field whose JSON name is "" is embedded with `json:",inline"`: its fields join the parent's.

export type ScalarKind = "string" | "bytes" | "int32" | "int64" | "bool";
export type SpecialKind = "Time" | "MicroTime" | "Quantity" | "IntOrString" | "FieldsV1";

export interface FieldDescriptor {
  no: number;
  /** JSON name; "" for an inlined struct */
  json: string;
  /** a scalar, a special type, or the name of a message in the registry */
  type: ScalarKind | SpecialKind | string;
  repeated: boolean;
  /** map<string, type> */
  map: boolean;
  pointer: boolean;
  /** Go's `omitempty` (meaningless for structs, which encoding/json always writes) */
  omitEmpty: boolean;
}

export type MessageDescriptor = readonly FieldDescriptor[];

const scalars = new Set(["string", "bytes", "int32", "int64", "bool"]);
const specials = new Set(["Time", "MicroTime", "Quantity", "IntOrString", "FieldsV1"]);

export function isScalar(type: string): type is ScalarKind {
  return scalars.has(type);
}

export function isSpecial(type: string): type is SpecialKind {
  return specials.has(type);
}

/** One table line: field number, JSON name and the Go type as described above. */
export function f(no: number, json: string, goType: string): FieldDescriptor {
  let t = goType;
  let omitEmpty = true;
  if (t.endsWith("!")) {
    omitEmpty = false;
    t = t.slice(0, -1);
  }
  let repeated = false;
  let map = false;
  let pointer = false;
  if (t.startsWith("[]")) {
    repeated = true;
    t = t.slice(2);
  } else if (t.startsWith("map[string]")) {
    map = true;
    t = t.slice("map[string]".length);
  } else if (t.startsWith("*")) {
    pointer = true;
    t = t.slice(1);
  }
  return { no, json, type: t, repeated, map, pointer, omitEmpty };
}

/** A registry of messages by name; core/v1 names are bare, other packages' are qualified where they clash. */
export type MessageRegistry = Readonly<Record<string, MessageDescriptor>>;
