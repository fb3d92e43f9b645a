// The meta.k8s.io/v1 Table kubectl asks for (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`),
// in the JSON shape kube-apiserver writes.
import type { ListMeta, ObjectMeta } from "kubernetes-types/meta/v1.js";
import { doc } from "./descriptions.js";

export interface TableColumnDefinition {
  name: string;
  /** "string", "integer", "number", "boolean" or "date" */
  type: string;
  /** "name" marks the column kubectl uses for `-o name`; otherwise "" */
  format: string;
  description: string;
  /** 0 is shown by default; 1 only with `-o wide` */
  priority: number;
}

export type TableCell = string | number | boolean;

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  apiVersion: "meta.k8s.io/v1";
  kind: "PartialObjectMetadata";
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  /** PartialObjectMetadata (includeObject=Metadata, the default), the object itself, or null for None */
  object: PartialObjectMetadata | Record<string, unknown> | null;
}

export interface Table {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: ListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** One resource's printer: its columns (all of them, wide ones at priority 1) and its row cells. */
export interface Printer<T> {
  columns: TableColumnDefinition[];
  row(obj: T, now: Date): { cells: TableCell[]; conditions?: TableRowCondition[] };
}

export function column(
  name: string,
  type: string,
  description: string,
  opts: { format?: string; priority?: number } = {},
): TableColumnDefinition {
  return { name, type, format: opts.format ?? "", description, priority: opts.priority ?? 0 };
}

/** Every printer's first column. */
export const nameColumn = column("Name", "string", doc["ObjectMeta.name"], { format: "name" });
/** Every printer's Age column. */
export const ageColumn = column("Age", "string", doc["ObjectMeta.creationTimestamp"]);
