// printTable: what kube-apiserver returns for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
// All columns are always produced (kube generates with Wide: true); kubectl hides priority-1 columns
// unless `-o wide`. Rows carry PartialObjectMetadata by default (includeObject=Metadata).
import type { ListMeta } from "kubernetes-types/meta/v1.js";
import type { KubeObject } from "../../api/object.js";
import type { ResourceInfo } from "../../api/registry.js";
import { configMapPrinter, genericPrinter, leasePrinter, namespacePrinter, secretPrinter } from "./core.js";
import { eventPrinter } from "./event.js";
import { nodePrinter } from "./node.js";
import { podPrinter } from "./pod.js";
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from "./storage.js";
import type { Printer, Table, TableRow } from "./types.js";

export type IncludeObject = "None" | "Metadata" | "Object";

export interface PrintOptions {
  /** the clock the ages are measured against */
  now: Date;
  includeObject: IncludeObject;
  /** the list's resourceVersion/continue/remainingItemCount; for a single object, its resourceVersion */
  listMeta?: ListMeta;
  /** TableOptions.noHeaders: leave out the column definitions (watch events after the first) */
  noHeaders?: boolean;
}

// The printers are typed by their object's shape; objects arrive from the store as KubeObject.
const printers: Record<string, Printer<never>> = {
  "/pods": podPrinter,
  "/nodes": nodePrinter,
  "/namespaces": namespacePrinter,
  "/events": eventPrinter,
  "events.k8s.io/events": eventPrinter,
  "/configmaps": configMapPrinter,
  "/secrets": secretPrinter,
  "/persistentvolumes": persistentVolumePrinter,
  "/persistentvolumeclaims": persistentVolumeClaimPrinter,
  "storage.k8s.io/storageclasses": storageClassPrinter,
  "coordination.k8s.io/leases": leasePrinter,
};

export function printerFor(r: ResourceInfo): Printer<KubeObject> {
  return (printers[`${r.group}/${r.plural}`] ?? genericPrinter) as unknown as Printer<KubeObject>;
}

function rowObject(obj: KubeObject, includeObject: IncludeObject): TableRow["object"] {
  switch (includeObject) {
    case "None":
      return null;
    case "Object":
      return obj;
    default:
      return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata ?? {} };
  }
}

/** A meta.k8s.io/v1 Table of `objects` of resource `r`, column for column as kube's printers.go. */
export function printTable(r: ResourceInfo, objects: readonly KubeObject[], opts: PrintOptions): Table {
  const printer = printerFor(r);
  const rows = objects.map((obj): TableRow => {
    const { cells, conditions } = printer.row(obj, opts.now);
    const row: TableRow = { cells, object: rowObject(obj, opts.includeObject) };
    if (conditions) row.conditions = conditions;
    return row;
  });
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: opts.listMeta ?? {},
    columnDefinitions: opts.noHeaders ? [] : printer.columns,
    rows,
  };
}
