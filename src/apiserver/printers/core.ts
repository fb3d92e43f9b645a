// Tables for namespaces, configmaps, secrets and leases, and the NAME AGE table for anything else.
import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { ConfigMap, Namespace, Secret } from "kubernetes-types/core/v1.js";
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";
import type { KubeObject } from "../../api/object.js";
import { doc } from "./descriptions.js";
import { translateTimestampSince } from "./duration.js";
import { ageColumn, column, nameColumn, type Printer } from "./types.js";

const age = (obj: { metadata?: ObjectMeta }, now: Date) =>
  translateTimestampSince(obj.metadata?.creationTimestamp, now);

export const namespacePrinter: Printer<Namespace> = {
  columns: [nameColumn, column("Status", "string", "The status of the namespace"), ageColumn],
  row: (ns, now) => ({ cells: [ns.metadata?.name ?? "", ns.status?.phase ?? "", age(ns, now)] }),
};

export const configMapPrinter: Printer<ConfigMap> = {
  columns: [nameColumn, column("Data", "string", doc["ConfigMap.data"]), ageColumn],
  row: (cm, now) => ({
    cells: [
      cm.metadata?.name ?? "",
      Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
      age(cm, now),
    ],
  }),
};

export const secretPrinter: Printer<Secret> = {
  columns: [
    nameColumn,
    column("Type", "string", doc["Secret.type"]),
    column("Data", "string", doc["Secret.data"]),
    ageColumn,
  ],
  row(secret, now) {
    // v1 → internal conversion merges stringData into data, so a key in either counts once.
    const keys = new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]);
    return { cells: [secret.metadata?.name ?? "", secret.type ?? "", keys.size, age(secret, now)] };
  },
};

export const leasePrinter: Printer<Lease> = {
  columns: [nameColumn, column("Holder", "string", doc["LeaseSpec.holderIdentity"]), ageColumn],
  row: (lease, now) => ({
    cells: [lease.metadata?.name ?? "", lease.spec?.holderIdentity ?? "", age(lease, now)],
  }),
};

/** For resources without a printer of their own. */
export const genericPrinter: Printer<KubeObject> = {
  columns: [nameColumn, ageColumn],
  row: (obj, now) => ({ cells: [obj.metadata?.name ?? "", age(obj, now)] }),
};
