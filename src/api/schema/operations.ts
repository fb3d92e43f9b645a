// The REST operations kube-apiserver publishes for each served resource (src/api/registry.ts), in
// one neutral form that the OpenAPI v2 and v3 writers render. Operation ids, actions, parameters and
// responses follow kube-apiserver's installer, so clients that read the spec (kubectl's
// fieldValidation check looks for the PATCH operation of a kind and its `fieldValidation`
// parameter) see what a real cluster shows.
import { type GroupVersion, type ResourceInfo, resources, type SubresourceInfo } from "../registry.js";
import { definitionFor, type GroupVersionKind } from "./definitions.js";

export type ParamType = "string" | "integer" | "boolean";
export interface Param {
  name: string;
  in: "query" | "path";
  type: ParamType;
  description: string;
  required?: boolean;
}
export interface Response {
  code: string;
  description: string;
  /** definition name of the body, or "string" for text bodies */
  schema?: string;
}
export interface Operation {
  method: "get" | "put" | "post" | "delete" | "patch";
  operationId: string;
  description: string;
  action: string;
  gvk?: GroupVersionKind;
  params: Param[];
  /** definition name of the request body */
  body?: string;
  consumes: string[];
  produces: string[];
  responses: Response[];
  tag: string;
}
export interface PathItem {
  path: string;
  params: Param[];
  operations: Operation[];
}

const q = (name: string, type: ParamType, description: string): Param => ({
  name,
  in: "query",
  type,
  description,
});
const P = {
  allowWatchBookmarks: q(
    "allowWatchBookmarks",
    "boolean",
    'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.',
  ),
  continue: q(
    "continue",
    "string",
    'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize. If the specified continue value is no longer valid whether due to expiration (generally five to fifteen minutes) or a configuration change on the server, the server will respond with a 410 ResourceExpired error together with a continue token. If the client needs a consistent list, it must restart their list without the continue field. Otherwise, the client may send another list request with the token received with the 410 error, the server will respond with a list starting from the next key, but from the latest snapshot, which is inconsistent from the previous list results - objects that are created, modified, or deleted after the first list request will be included in the response, as long as their keys are after the "next key".\n\nThis field is not supported when watch is true. Clients may start a watch from the last resourceVersion value returned by the server and not miss any modifications.',
  ),
  dryRun: q(
    "dryRun",
    "string",
    "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed",
  ),
  fieldManager: q(
    "fieldManager",
    "string",
    "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.",
  ),
  fieldManagerApply: q(
    "fieldManager",
    "string",
    "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).",
  ),
  fieldSelector: q(
    "fieldSelector",
    "string",
    "A selector to restrict the list of returned objects by their fields. Defaults to everything.",
  ),
  fieldValidation: q(
    "fieldValidation",
    "string",
    "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.",
  ),
  force: q(
    "force",
    "boolean",
    'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
  ),
  gracePeriodSeconds: q(
    "gracePeriodSeconds",
    "integer",
    "The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.",
  ),
  labelSelector: q(
    "labelSelector",
    "string",
    "A selector to restrict the list of returned objects by their labels. Defaults to everything.",
  ),
  limit: q(
    "limit",
    "integer",
    "limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results. Setting a limit may return fewer than the requested amount of items (up to zero items) in the event all requested objects are filtered out and clients should only use the presence of the continue field to determine whether more results are available. Servers may choose not to support the limit argument and will return all of the available results. If limit is specified and the continue field is empty, clients may assume that no more results are available. This field is not supported if watch is true.\n\nThe server guarantees that the objects returned when using continue will be identical to issuing a single list call without a limit - that is, no objects created, modified, or deleted after the first request is issued will be included in any subsequent continued requests. This is sometimes referred to as a consistent snapshot, and ensures that a client that is using limit to receive smaller chunks of a very large result can ensure they see all possible objects. If objects are updated during a chunked list the version of the object that was present at the time the first list result was calculated is returned.",
  ),
  orphanDependents: q(
    "orphanDependents",
    "boolean",
    'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.',
  ),
  pretty: q(
    "pretty",
    "string",
    "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
  ),
  propagationPolicy: q(
    "propagationPolicy",
    "string",
    "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.",
  ),
  resourceVersion: q(
    "resourceVersion",
    "string",
    "resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset",
  ),
  resourceVersionMatch: q(
    "resourceVersionMatch",
    "string",
    "resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset",
  ),
  sendInitialEvents: q(
    "sendInitialEvents",
    "boolean",
    '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic "Bookmark" event  will be sent. The bookmark will report the ResourceVersion (RV) corresponding to the set of objects, and be marked with `"k8s.io/initial-events-end": "true"` annotation. Afterwards, the watch stream will proceed as usual, sending watch events corresponding to changes (subsequent to the RV) to objects watched.\n\nWhen `sendInitialEvents` option is set, we require `resourceVersionMatch` option to also be set. The semantic of the watch request is as following: - `resourceVersionMatch` = NotOlderThan\n  is interpreted as "data at least as new as the provided `resourceVersion`"\n  and the bookmark event is send when the state is synced\n  to a `resourceVersion` at least as fresh as the one provided by the ListOptions.\n  If `resourceVersion` is unset, this is interpreted as "consistent read" and the\n  bookmark event is send when the state is synced at least to the moment\n  when request started being processed.\n- `resourceVersionMatch` set to any other value or unset\n  Invalid error is returned.\n\nDefaults to true if `resourceVersion=""` or `resourceVersion="0"` (for backward compatibility reasons) and to false otherwise.',
  ),
  timeoutSeconds: q(
    "timeoutSeconds",
    "integer",
    "Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.",
  ),
  watch: q(
    "watch",
    "boolean",
    "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.",
  ),
};

const listParams = [
  P.allowWatchBookmarks,
  P.continue,
  P.fieldSelector,
  P.labelSelector,
  P.limit,
  P.resourceVersion,
  P.resourceVersionMatch,
  P.sendInitialEvents,
  P.timeoutSeconds,
  P.watch,
];
const deleteCollectionParams = [
  P.continue,
  P.dryRun,
  P.fieldSelector,
  P.gracePeriodSeconds,
  P.labelSelector,
  P.limit,
  P.orphanDependents,
  P.propagationPolicy,
  P.resourceVersion,
  P.resourceVersionMatch,
  P.sendInitialEvents,
  P.timeoutSeconds,
];
const writeParams = [P.dryRun, P.fieldManager, P.fieldValidation];
const patchParams = [P.dryRun, P.fieldManagerApply, P.fieldValidation, P.force];
const deleteParams = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

const pathParam = (name: string, description: string): Param => ({
  name,
  in: "path",
  type: "string",
  description,
  required: true,
});
const namespaceParam = pathParam("namespace", "object name and auth scope, such as for teams and projects");

export const patchContentTypes = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
];
const objectTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];
const listTypes = [
  ...objectTypes,
  "application/json;stream=watch",
  "application/vnd.kubernetes.protobuf;stream=watch",
];
const watchTypes = [
  "application/json",
  "application/yaml",
  "application/vnd.kubernetes.protobuf",
  "application/json;stream=watch",
  "application/vnd.kubernetes.protobuf;stream=watch",
];

const meta = (kind: string) => `io.k8s.apimachinery.pkg.apis.meta.v1.${kind}`;
const unauthorized: Response = { code: "401", description: "Unauthorized" };

/** "CoreV1", "CoordinationV1", "EventsV1", "StorageV1": kube's operation id infix. */
export function groupVersionId(gv: GroupVersion): string {
  const g = gv.group ? (gv.group.split(".")[0] as string) : "core";
  return cap(g) + cap(gv.version);
}
/** "core_v1", "coordination_v1": kube's tag. */
export function groupVersionTag(gv: GroupVersion): string {
  const g = gv.group ? (gv.group.split(".")[0] as string) : "core";
  return `${g}_${gv.version}`;
}
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The URL prefix of a group version: /api/v1, /apis/storage.k8s.io/v1. */
export function groupVersionPath(gv: GroupVersion): string {
  return gv.group ? `/apis/${gv.group}/${gv.version}` : `/api/${gv.version}`;
}

/** All paths of one group version, kube's order (sorted by path). */
export function pathsOf(gv: GroupVersion): PathItem[] {
  const items = new Map<string, PathItem>();
  const add = (path: string, params: Param[], op: Operation) => {
    let item = items.get(path);
    if (!item) {
      item = { path, params, operations: [] };
      items.set(path, item);
    }
    item.operations.push(op);
  };
  const base = groupVersionPath(gv);
  const id = groupVersionId(gv);
  const tag = groupVersionTag(gv);
  add(`${base}/`, [], {
    method: "get",
    operationId: `get${id}APIResources`,
    description: "get available resources",
    action: "",
    params: [],
    consumes: objectTypes,
    produces: objectTypes,
    responses: [{ code: "200", description: "OK", schema: meta("APIResourceList") }, unauthorized],
    tag,
  });
  for (const r of resources) {
    if (r.group !== gv.group || r.version !== gv.version) continue;
    resourceOperations(r, id, tag, add);
  }
  return [...items.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function resourceOperations(
  r: ResourceInfo,
  id: string,
  tag: string,
  add: (path: string, params: Param[], op: Operation) => void,
): void {
  const gvk: GroupVersionKind = { group: r.group, version: r.version, kind: r.kind };
  const def = definitionFor(r.group, r.version, r.kind);
  const listDef = definitionFor(r.group, r.version, r.listKind);
  if (!def) return;
  const base = groupVersionPath(r);
  const ns = r.namespaced ? "Namespaced" : "";
  const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const item = `${collection}/{name}`;
  const nameParam = pathParam("name", `name of the ${r.kind}`);
  const collParams = r.namespaced ? [namespaceParam, P.pretty] : [P.pretty];
  const itemParams = r.namespaced ? [nameParam, namespaceParam, P.pretty] : [nameParam, P.pretty];
  const has = (verb: string) => r.verbs.includes(verb);
  const op = (o: Omit<Operation, "tag" | "consumes" | "produces"> & Partial<Operation>): Operation => ({
    consumes: ["*/*"],
    produces: objectTypes,
    tag,
    ...o,
  });
  const ok = (schema: string | undefined = def): Response => ({ code: "200", description: "OK", schema });
  const created = (schema: string | undefined = def): Response => ({
    code: "201",
    description: "Created",
    schema,
  });
  const accepted = (schema: string | undefined = def): Response => ({
    code: "202",
    description: "Accepted",
    schema,
  });

  if (has("list") && listDef) {
    add(
      collection,
      collParams,
      op({
        method: "get",
        operationId: `list${id}${ns}${r.kind}`,
        description: `list or watch objects of kind ${r.kind}`,
        action: "list",
        gvk,
        params: listParams,
        produces: listTypes,
        responses: [ok(listDef), unauthorized],
      }),
    );
    if (r.namespaced) {
      add(
        `${base}/${r.plural}`,
        [P.pretty],
        op({
          method: "get",
          operationId: `list${id}${r.kind}ForAllNamespaces`,
          description: `list or watch objects of kind ${r.kind}`,
          action: "list",
          gvk,
          params: listParams,
          produces: listTypes,
          responses: [ok(listDef), unauthorized],
        }),
      );
    }
  }
  if (has("create")) {
    add(
      collection,
      collParams,
      op({
        method: "post",
        operationId: `create${id}${ns}${r.kind}`,
        description: `create ${article(r.kind)} ${r.kind}`,
        action: "post",
        gvk,
        params: writeParams,
        body: def,
        responses: [ok(), created(), accepted(), unauthorized],
      }),
    );
  }
  if (has("deletecollection")) {
    add(
      collection,
      collParams,
      op({
        method: "delete",
        operationId: `delete${id}Collection${ns}${r.kind}`,
        description: `delete collection of ${r.kind}`,
        action: "deletecollection",
        gvk,
        params: deleteCollectionParams,
        body: meta("DeleteOptions"),
        responses: [ok(meta("Status")), unauthorized],
      }),
    );
  }
  if (has("get")) {
    add(
      item,
      itemParams,
      op({
        method: "get",
        operationId: `read${id}${ns}${r.kind}`,
        description: `read the specified ${r.kind}`,
        action: "get",
        gvk,
        params: [],
        responses: [ok(), unauthorized],
      }),
    );
  }
  if (has("update")) {
    add(
      item,
      itemParams,
      op({
        method: "put",
        operationId: `replace${id}${ns}${r.kind}`,
        description: `replace the specified ${r.kind}`,
        action: "put",
        gvk,
        params: writeParams,
        body: def,
        responses: [ok(), created(), unauthorized],
      }),
    );
  }
  if (has("patch")) {
    add(
      item,
      itemParams,
      op({
        method: "patch",
        operationId: `patch${id}${ns}${r.kind}`,
        description: `partially update the specified ${r.kind}`,
        action: "patch",
        gvk,
        params: patchParams,
        body: meta("Patch"),
        consumes: patchContentTypes,
        responses: [ok(), created(), unauthorized],
      }),
    );
  }
  if (has("delete")) {
    add(
      item,
      itemParams,
      op({
        method: "delete",
        operationId: `delete${id}${ns}${r.kind}`,
        description: `delete ${article(r.kind)} ${r.kind}`,
        action: "delete",
        gvk,
        params: deleteParams,
        body: meta("DeleteOptions"),
        responses: [ok(), accepted(), unauthorized],
      }),
    );
  }
  if (has("watch")) {
    const watchDef = meta("WatchEvent");
    const watchOp = (operationId: string, description: string, action: string): Operation =>
      op({
        method: "get",
        operationId,
        description,
        action,
        gvk,
        params: listParams,
        produces: watchTypes,
        responses: [ok(watchDef), unauthorized],
      });
    const watchBase = r.namespaced
      ? `${base}/watch/namespaces/{namespace}/${r.plural}`
      : `${base}/watch/${r.plural}`;
    add(
      watchBase,
      collParams,
      watchOp(
        `watch${id}${ns}${r.kind}List`,
        `watch individual changes to a list of ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead.`,
        "watchlist",
      ),
    );
    add(
      `${watchBase}/{name}`,
      itemParams,
      watchOp(
        `watch${id}${ns}${r.kind}`,
        `watch changes to an object of kind ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`,
        "watch",
      ),
    );
    if (r.namespaced) {
      add(
        `${base}/watch/${r.plural}`,
        [P.pretty],
        watchOp(
          `watch${id}${r.kind}ListForAllNamespaces`,
          `watch individual changes to a list of ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead.`,
          "watchlist",
        ),
      );
    }
  }
  for (const sub of r.subresources) subresourceOperations(r, sub, id, ns, item, itemParams, op, add);
}

function subresourceOperations(
  r: ResourceInfo,
  sub: SubresourceInfo,
  id: string,
  ns: string,
  item: string,
  itemParams: Param[],
  op: (o: Omit<Operation, "tag" | "consumes" | "produces"> & Partial<Operation>) => Operation,
  add: (path: string, params: Param[], op: Operation) => void,
): void {
  const path = `${item}/${sub.name}`;
  const Sub = cap(sub.name);
  const subGvk: GroupVersionKind = {
    group: sub.group ?? r.group,
    version: sub.version ?? r.version,
    kind: sub.kind,
  };
  const def = definitionFor(r.group, r.version, r.kind);
  const params = itemParams.map((p) =>
    p.name === "name" ? { ...p, description: nameDescription(sub, r) } : p,
  );
  switch (sub.name) {
    case "status": {
      const ok: Response = { code: "200", description: "OK", schema: def };
      const created: Response = { code: "201", description: "Created", schema: def };
      add(
        path,
        params,
        op({
          method: "get",
          operationId: `read${id}${ns}${r.kind}Status`,
          description: `read status of the specified ${r.kind}`,
          action: "get",
          gvk: subGvk,
          params: [],
          responses: [ok, unauthorized],
        }),
      );
      add(
        path,
        params,
        op({
          method: "put",
          operationId: `replace${id}${ns}${r.kind}Status`,
          description: `replace status of the specified ${r.kind}`,
          action: "put",
          gvk: subGvk,
          params: writeParams,
          body: def,
          responses: [ok, created, unauthorized],
        }),
      );
      add(
        path,
        params,
        op({
          method: "patch",
          operationId: `patch${id}${ns}${r.kind}Status`,
          description: `partially update status of the specified ${r.kind}`,
          action: "patch",
          gvk: subGvk,
          params: patchParams,
          body: meta("Patch"),
          consumes: patchContentTypes,
          responses: [ok, created, unauthorized],
        }),
      );
      return;
    }
    case "finalize":
      add(
        path,
        params,
        op({
          method: "put",
          operationId: `replace${id}${ns}${r.kind}Finalize`,
          description: `replace finalize of the specified ${r.kind}`,
          action: "put",
          gvk: subGvk,
          params: writeParams,
          body: def,
          responses: [
            { code: "200", description: "OK", schema: def },
            { code: "201", description: "Created", schema: def },
            unauthorized,
          ],
        }),
      );
      return;
    case "binding": {
      const b = definitionFor(subGvk.group, subGvk.version, subGvk.kind);
      add(
        path,
        params,
        op({
          method: "post",
          operationId: `create${id}${ns}${r.kind}Binding`,
          description: `create binding of ${article(r.kind)} ${r.kind}`,
          action: "post",
          gvk: subGvk,
          params: writeParams,
          body: b,
          responses: [
            { code: "200", description: "OK", schema: b },
            { code: "201", description: "Created", schema: b },
            { code: "202", description: "Accepted", schema: b },
            unauthorized,
          ],
        }),
      );
      return;
    }
    case "log":
      add(
        path,
        params,
        op({
          method: "get",
          operationId: `read${id}${ns}${r.kind}Log`,
          description: `read log of the specified ${r.kind}`,
          action: "get",
          gvk: subGvk,
          params: logParams,
          produces: [
            "text/plain",
            "application/json",
            "application/yaml",
            "application/vnd.kubernetes.protobuf",
          ],
          responses: [{ code: "200", description: "OK", schema: "string" }, unauthorized],
        }),
      );
      return;
    case "exec":
    case "attach":
    case "portforward": {
      const qp = sub.name === "exec" ? execParams : sub.name === "attach" ? attachParams : portForwardParams;
      for (const method of ["get", "post"] as const) {
        add(
          path,
          [...params.slice(0, -1), ...qp],
          op({
            method,
            operationId: `connect${id}${cap(method)}${ns}${r.kind}${Sub}`,
            description: `connect ${method.toUpperCase()} requests to ${sub.name} of ${r.kind}`,
            action: "connect",
            gvk: subGvk,
            params: [],
            produces: ["*/*"],
            responses: [{ code: "200", description: "OK", schema: "string" }, unauthorized],
          }),
        );
      }
      return;
    }
    default:
      return;
  }
}

function nameDescription(sub: SubresourceInfo, r: ResourceInfo): string {
  const what = sub.kind === r.kind ? r.kind : sub.kind;
  return `name of the ${what}`;
}

const logParams: Param[] = [
  q(
    "container",
    "string",
    "The container for which to stream logs. Defaults to only container if there is one container in the pod.",
  ),
  q("follow", "boolean", "Follow the log stream of the pod. Defaults to false."),
  q(
    "insecureSkipTLSVerifyBackend",
    "boolean",
    "insecureSkipTLSVerifyBackend indicates that the apiserver should not confirm the validity of the serving certificate of the backend it is connecting to.  This will make the HTTPS connection between the apiserver and the backend insecure. This means the apiserver cannot verify the log data it is receiving came from the real kubelet.  If the kubelet is configured to verify the apiserver's TLS credentials, it does not mean the connection to the real kubelet is vulnerable to a man in the middle attack (e.g. an attacker could not intercept the actual log data coming from the real kubelet).",
  ),
  q(
    "limitBytes",
    "integer",
    "If set, the number of bytes to read from the server before terminating the log output. This may not display a complete final line of logging, and may return slightly more or slightly less than the specified limit.",
  ),
  q("previous", "boolean", "Return previous terminated container logs. Defaults to false."),
  q(
    "sinceSeconds",
    "integer",
    "A relative time in seconds before the current time from which to show logs. If this value precedes the time a pod was started, only logs since the pod start will be returned. If this value is in the future, no logs will be returned. Only one of sinceSeconds or sinceTime may be specified.",
  ),
  q(
    "tailLines",
    "integer",
    "If set, the number of lines from the end of the logs to show. If not specified, logs are shown from the creation of the container or sinceSeconds or sinceTime",
  ),
  q(
    "timestamps",
    "boolean",
    "If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output. Defaults to false.",
  ),
];
const streamParams = (verb: string): Param[] => [
  q(
    "container",
    "string",
    `Container in which to execute the command. Defaults to only container if there is only one container in the pod.`,
  ),
  q("stderr", "boolean", `Redirect the standard error stream of the pod for this call.`),
  q("stdin", "boolean", `Redirect the standard input stream of the pod for this call. Defaults to false.`),
  q("stdout", "boolean", `Redirect the standard output stream of the pod for this call.`),
  q(
    "tty",
    "boolean",
    verb === "exec"
      ? "TTY if true indicates that a tty will be allocated for the exec call. Defaults to false."
      : "TTY if true indicates that a tty will be allocated for the attach call. This is passed through the container runtime so the tty is allocated on the worker node by the container runtime. Defaults to false.",
  ),
];
const execParams: Param[] = [
  q(
    "command",
    "string",
    "Command is the remote command to execute. argv array. Not executed within a shell.",
  ),
  ...streamParams("exec"),
];
const attachParams: Param[] = streamParams("attach").map((p) =>
  p.name === "container"
    ? {
        ...p,
        description:
          "The container in which to execute the command. Defaults to only container if there is only one container in the pod.",
      }
    : p,
);
const portForwardParams: Param[] = [
  q("ports", "integer", "List of ports to forward Required when using WebSockets"),
];

function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? "an" : "a";
}
