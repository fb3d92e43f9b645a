// Server-side printing: meta.k8s.io/v1 Tables for `kubectl get`, as kube-apiserver builds them.
export { humanDuration, parseTime, translateTimestampSince } from "./duration.js";
export { nodeRoles, nodeStatus } from "./node.js";
export { type PodSummary, podSummary } from "./pod.js";
export { accessModesString, isDefaultStorageClass } from "./storage.js";
export { type IncludeObject, type PrintOptions, printerFor, printTable } from "./table.js";
export type {
  PartialObjectMetadata,
  Printer,
  Table,
  TableCell,
  TableColumnDefinition,
  TableRow,
  TableRowCondition,
} from "./types.js";
