// Discovery, as kube-apiserver serves it: the legacy documents (/api, /apis, /api/v1 …) and the
// aggregated form (apidiscovery.k8s.io v2 and v2beta1) that kubectl 1.27+ ask for first. The
// aggregated answer must carry its exact Content-Type or kubectl ignores it (KUBECTL-FACTS §1).
import { apiVersionOf, groupVersions, type ResourceInfo, resources } from "../api/registry.js";

function resourceList(group: string, version: string): object {
  const list: object[] = [];
  for (const r of resources.filter((x) => x.group === group && x.version === version)) {
    list.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const s of r.subresources) {
      list.push({
        name: `${r.plural}/${s.name}`,
        singularName: "",
        namespaced: r.namespaced,
        ...(s.group !== undefined ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: apiVersionOf({ group, version }),
    resources: list,
  };
}

function aggregatedResource(r: ResourceInfo): object {
  return {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? "Namespaced" : "Cluster",
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.subresources.length
      ? {
          subresources: r.subresources.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

function aggregatedGroups(core: boolean, apiVersion: string): object {
  const byGroup = new Map<string, string[]>();
  for (const gv of groupVersions()) {
    if ((gv.group === "") !== core) continue;
    byGroup.set(gv.group, [...(byGroup.get(gv.group) ?? []), gv.version]);
  }
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion,
    metadata: {},
    items: [...byGroup].map(([group, versions]) => ({
      metadata: group ? { name: group } : {},
      versions: versions.map((version) => ({
        version,
        resources: resources
          .filter((r) => r.group === group && r.version === version)
          .map(aggregatedResource),
        freshness: "Current",
      })),
    })),
  };
}

function apiGroup(group: string): object {
  const versions = groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: apiVersionOf(gv), version: gv.version }));
  return { kind: "APIGroup", apiVersion: "v1", name: group, versions, preferredVersion: versions[0] };
}

export interface DiscoveryResponse {
  body: string;
  contentType: string;
}

/** Which aggregated discovery version the Accept header asks for, if any (in the client's order). */
function aggregatedVersion(accept: string | undefined): "v2" | "v2beta1" | undefined {
  for (const part of (accept ?? "").split(",")) {
    const p = part.replace(/\s+/g, "");
    if (!p.includes("as=APIGroupDiscoveryList") || !p.includes("g=apidiscovery.k8s.io")) continue;
    if (p.includes("v=v2beta1")) return "v2beta1";
    if (p.includes("v=v2;") || p.endsWith("v=v2")) return "v2";
  }
  return undefined;
}

/** The discovery document for a path ("api", "apis", "api/v1", "apis/<g>", "apis/<g>/<v>"), or undefined. */
export function discovery(
  parts: string[],
  accept: string | undefined,
  serverAddress: string,
): DiscoveryResponse | undefined {
  const json = (o: object): DiscoveryResponse => ({
    body: JSON.stringify(o),
    contentType: "application/json",
  });
  const agg = aggregatedVersion(accept);
  if (parts.length === 1 && (parts[0] === "api" || parts[0] === "apis")) {
    const core = parts[0] === "api";
    if (agg) {
      return {
        body: JSON.stringify(aggregatedGroups(core, `apidiscovery.k8s.io/${agg}`)),
        contentType: `application/json;g=apidiscovery.k8s.io;v=${agg};as=APIGroupDiscoveryList`,
      };
    }
    if (core) {
      return json({
        kind: "APIVersions",
        versions: ["v1"],
        serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
      });
    }
    const groups = [...new Set(groupVersions().map((gv) => gv.group))].filter((g) => g !== "");
    return json({ kind: "APIGroupList", apiVersion: "v1", groups: groups.map(apiGroup) });
  }
  if (parts[0] === "api" && parts.length === 2 && parts[1] === "v1") return json(resourceList("", "v1"));
  if (parts[0] === "apis" && parts.length === 2) {
    if (!groupVersions().some((gv) => gv.group === parts[1])) return undefined;
    return json(apiGroup(parts[1]!));
  }
  if (parts[0] === "apis" && parts.length === 3) {
    if (!groupVersions().some((gv) => gv.group === parts[1] && gv.version === parts[2])) return undefined;
    return json(resourceList(parts[1]!, parts[2]!));
  }
  return undefined;
}
