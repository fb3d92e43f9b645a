// The node table: NAME STATUS ROLES AGE VERSION (+ INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME).
import type { Node } from "kubernetes-types/core/v1.js";
import { doc } from "./descriptions.js";
import { translateTimestampSince } from "./duration.js";
import { compareBytes } from "./strings.js";
import { ageColumn, column, nameColumn, type Printer } from "./types.js";

const labelNodeRolePrefix = "node-role.kubernetes.io/";
const nodeLabelRole = "kubernetes.io/role";

/** Roles from `node-role.kubernetes.io/<role>` keys and the older `kubernetes.io/role=<role>` label, sorted. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(labelNodeRolePrefix)) {
      const role = k.slice(labelNodeRolePrefix.length);
      if (role) roles.add(role);
    } else if (k === nodeLabelRole && v !== "") {
      roles.add(v);
    }
  }
  return [...roles].sort(compareBytes);
}

/** Ready / NotReady / Unknown, then SchedulingDisabled for a cordoned node. */
export function nodeStatus(node: Node): string {
  const status: string[] = [];
  // Only Ready is reported; a later duplicate condition wins, as with kube's map.
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === "Ready").at(-1);
  if (ready) status.push(ready.status === "True" ? "Ready" : "NotReady");
  if (status.length === 0) status.push("Unknown");
  if (node.spec?.unschedulable) status.push("SchedulingDisabled");
  return status.join(",");
}

function address(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? "<none>";
}

export const nodePrinter: Printer<Node> = {
  columns: [
    nameColumn,
    column("Status", "string", "The status of the node"),
    column("Roles", "string", "The roles of the node"),
    ageColumn,
    column("Version", "string", doc["NodeSystemInfo.kubeletVersion"]),
    column("Internal-IP", "string", doc["NodeStatus.addresses"], { priority: 1 }),
    column("External-IP", "string", doc["NodeStatus.addresses"], { priority: 1 }),
    column("OS-Image", "string", doc["NodeSystemInfo.osImage"], { priority: 1 }),
    column("Kernel-Version", "string", doc["NodeSystemInfo.kernelVersion"], { priority: 1 }),
    column("Container-Runtime", "string", doc["NodeSystemInfo.containerRuntimeVersion"], { priority: 1 }),
  ],
  row(node, now) {
    const info = node.status?.nodeInfo;
    return {
      cells: [
        node.metadata?.name ?? "",
        nodeStatus(node),
        nodeRoles(node).join(",") || "<none>",
        translateTimestampSince(node.metadata?.creationTimestamp, now),
        info?.kubeletVersion ?? "",
        address(node, "InternalIP"),
        address(node, "ExternalIP"),
        info?.osImage || "<unknown>",
        info?.kernelVersion || "<unknown>",
        info?.containerRuntimeVersion || "<unknown>",
      ],
    };
  },
};
