// The REST verbs over HTTP for every resource: query parameters, body decoding, content
// negotiation and response codes as kube-apiserver's endpoint handlers give them; the work
// itself is the generic registry's.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Event as CoreEvent } from "kubernetes-types/core/v1.js";
import type { DeleteOptions } from "kubernetes-types/meta/v1.js";
import { coreToEventsV1 } from "../api/conversion/events.js";
import { badRequest, methodNotAllowed, notAcceptable, StatusError } from "../api/errors.js";
import { invalid } from "../api/field-errors.js";
import type { StoredObject } from "../api/object.js";
import { apiVersionOf, type ResourceInfo } from "../api/registry.js";
import { duplicateFields } from "../api/schema/strict.js";
import type { Store, StoreEntry } from "../store/store.js";
import { decodeBody, mediaType, type Negotiated, negotiate, readBody, send, sendObject } from "./http.js";
import { type GenericRegistry, type ListQuery, qualified, type WriteOptions } from "./registry/generic.js";
import type { FieldValidation, PatchType } from "./registry/machinery.js";
import type { ResourceRequest } from "./request.js";
import { serveWatch } from "./watch.js";

export type TablePrinter = (
  r: ResourceInfo,
  objects: StoredObject[],
  opts: { now: Date; includeObject: Negotiated["includeObject"] },
) => object;

export interface ResourceHandlerDeps {
  store: Store;
  registry: GenericRegistry;
  printTable: TablePrinter;
  /** the node's streaming endpoint proxy for log/exec/attach/portforward, when there is one */
  connect?: (req: IncomingMessage, res: ServerResponse, ri: ResourceRequest) => Promise<void>;
}

const patchTypes: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
};

/** How an object goes on the wire for this resource (events.k8s.io/v1 is stored as core/v1). */
function wireJson(r: ResourceInfo, e: { object: StoredObject; json: string }): string {
  if (r.group === "events.k8s.io") return JSON.stringify(coreToEventsV1(e.object as unknown as CoreEvent));
  return e.json;
}
function wireObject(r: ResourceInfo, o: StoredObject): StoredObject {
  if (r.group === "events.k8s.io")
    return coreToEventsV1(o as unknown as CoreEvent) as unknown as StoredObject;
  return o;
}

function listQuery(q: URLSearchParams): ListQuery {
  const limit = q.get("limit");
  let n = 0;
  if (limit) {
    n = Number(limit);
    if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid limit: ${limit}`);
  }
  return {
    labelSelector: q.get("labelSelector"),
    fieldSelector: q.get("fieldSelector"),
    limit: n,
    continueToken: q.get("continue"),
    resourceVersion: q.get("resourceVersion"),
    resourceVersionMatch: q.get("resourceVersionMatch"),
  };
}

function fieldValidation(q: URLSearchParams): FieldValidation {
  const v = q.get("fieldValidation");
  if (v === null || v === "") return "Warn";
  if (v === "Strict" || v === "Warn" || v === "Ignore") return v;
  throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got: ${v}`);
}

function dryRun(q: URLSearchParams): boolean {
  const values = q.getAll("dryRun");
  for (const v of values) {
    if (v !== "All") throw badRequest(`Invalid dryRun value: ${v}, supported values: "All"`);
  }
  return values.length > 0;
}

/** kube's default field manager: the user agent up to its first "/" (kubectl names itself explicitly). */
function fieldManager(q: URLSearchParams, req: IncomingMessage, apply: boolean, r: ResourceInfo): string {
  const m = q.get("fieldManager");
  if (m !== null) {
    if (m.length > 128) {
      throw invalid("PatchOptions", "meta.k8s.io", "", [
        {
          type: "FieldValueTooLong",
          field: "fieldManager",
          value: m,
          detail: "may not be more than 128 bytes",
        },
      ]);
    }
    return m;
  }
  if (apply) {
    throw invalid("PatchOptions", "meta.k8s.io", "", [
      { type: "FieldValueRequired", field: "fieldManager", detail: "is required for apply patch" },
    ]);
  }
  void r;
  const ua = String(req.headers["user-agent"] ?? "unknown");
  return ua.split("/")[0]!.slice(0, 128);
}

function warningHeaders(warnings: string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  // Node joins repeated headers from an array; one Warning header per message as kube sends.
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ") };
}

export function newResourceHandler(deps: ResourceHandlerDeps) {
  const { registry, store } = deps;

  function writeOne(
    req: IncomingMessage,
    res: ServerResponse,
    neg: Negotiated,
    r: ResourceInfo,
    code: number,
    e: StoreEntry,
    warnings: string[] = [],
  ): void {
    const headers = warningHeaders(warnings);
    if (neg.table) {
      sendObject(
        req,
        res,
        code,
        deps.printTable(r, [wireObject(r, e.object)], { now: new Date(), includeObject: neg.includeObject }),
        neg.format,
        headers,
      );
      return;
    }
    sendObject(req, res, code, wireJson(r, e), neg.format, headers);
  }

  async function writeList(
    req: IncomingMessage,
    res: ServerResponse,
    neg: Negotiated,
    r: ResourceInfo,
    page: {
      entries: StoreEntry[];
      resourceVersion: string;
      continueToken?: string;
      remainingItemCount?: number;
    },
  ): Promise<void> {
    const meta: Record<string, unknown> = { resourceVersion: page.resourceVersion };
    if (page.continueToken) meta.continue = page.continueToken;
    if (page.remainingItemCount !== undefined) meta.remainingItemCount = page.remainingItemCount;
    if (neg.table) {
      const table = deps.printTable(
        r,
        page.entries.map((e) => wireObject(r, e.object)),
        { now: new Date(), includeObject: neg.includeObject },
      ) as { metadata?: object };
      table.metadata = meta;
      sendObject(req, res, 200, table, neg.format);
      return;
    }
    // Items are serialized once at write time; a list is their concatenation.
    const head = `{"kind":"${r.listKind}","apiVersion":"${apiVersionOf(r)}","metadata":${JSON.stringify(meta)},"items":[`;
    const body = head + page.entries.map((e) => wireJson(r, e)).join(",") + "]}";
    sendObject(req, res, 200, body, neg.format);
  }

  return async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    ri: ResourceRequest,
    query: URLSearchParams,
  ) {
    const r = ri.resource;
    if (ri.subresource && !r.subresources.some((s) => s.name === ri.subresource)) {
      throw new StatusError(404, "NotFound", "the server could not find the requested resource");
    }
    if (ri.subresource && ["log", "exec", "attach", "portforward"].includes(ri.subresource)) {
      if (!deps.connect) throw badRequest(`pod ${ri.name} does not have a host assigned`);
      await deps.connect(req, res, ri);
      return;
    }
    const neg = negotiate(req.headers.accept, query);
    if (!neg) {
      throw notAcceptable(
        "only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io",
      );
    }
    const verb = ri.verb;
    const allowed = ri.subresource
      ? (r.subresources.find((s) => s.name === ri.subresource)?.verbs ?? [])
      : r.verbs;
    if (verb !== "connect" && !allowed.includes(verb)) throw methodNotAllowed(verb, qualified(r));
    // PUT or PATCH on a collection: kube has no such route.
    if ((verb === "update" || verb === "patch") && !ri.name) throw methodNotAllowed(verb, qualified(r));

    const writeOpts = (apply = false): WriteOptions => ({
      dryRun: dryRun(query),
      fieldManager: fieldManager(query, req, apply, r),
      fieldValidation: fieldValidation(query),
      subresource: ri.subresource,
      force: query.get("force") === "true",
    });

    switch (verb) {
      case "get": {
        const e = await registry.get(r, ri.namespace, ri.name!);
        writeOne(req, res, neg, r, 200, e);
        return;
      }
      case "list": {
        await writeList(req, res, neg, r, await registry.list(r, ri.namespace, listQuery(query)));
        return;
      }
      case "watch": {
        const q = listQuery(query);
        const timeout = query.get("timeoutSeconds");
        let fieldSelector = q.fieldSelector;
        if (ri.name) fieldSelector = [fieldSelector, `metadata.name=${ri.name}`].filter(Boolean).join(",");
        serveWatch(req, res, store, registry, {
          resource: r,
          namespace: ri.namespace,
          labelSelector: q.labelSelector,
          fieldSelector,
          resourceVersion: q.resourceVersion,
          timeoutSeconds: timeout ? Number(timeout) : undefined,
          allowBookmarks: query.get("allowWatchBookmarks") === "true",
          sendInitialEvents: query.get("sendInitialEvents") === "true",
          encode: (obj, first) => {
            if (!neg.table) return wireJson(r, { object: obj, json: JSON.stringify(obj) });
            const t = deps.printTable(r, [wireObject(r, obj)], {
              now: new Date(),
              includeObject: neg.includeObject,
            }) as {
              columnDefinitions?: unknown[];
            };
            // kube sends the column definitions with the first event only.
            if (!first) t.columnDefinitions = [];
            return JSON.stringify(t);
          },
        });
        return;
      }
      case "create": {
        const raw = await readBody(req);
        const body = decodeBody(
          raw,
          req.headers["content-type"],
          ri.subresource === "binding" ? "Binding" : r.kind,
        );
        if (ri.subresource === "binding" || r.kind === "Binding") {
          const podName =
            ri.subresource === "binding"
              ? ri.name!
              : ((body as { metadata?: { name?: string } })?.metadata?.name ?? "");
          await registry.bind(ri.namespace!, podName, body);
          sendObject(
            req,
            res,
            201,
            { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 },
            neg.format,
          );
          return;
        }
        if (ri.name) throw methodNotAllowed("create", qualified(r));
        const result = await registry.create(r, ri.namespace, body, {
          ...writeOpts(),
          duplicateFields: duplicatesIn(raw, req),
        });
        writeOne(req, res, neg, r, 201, result.entry, result.warnings);
        return;
      }
      case "update": {
        const raw = await readBody(req);
        const body = decodeBody(raw, req.headers["content-type"], r.kind);
        const o = { ...writeOpts(), duplicateFields: duplicatesIn(raw, req) };
        if (ri.subresource === "finalize") o.subresource = "finalize";
        const result = await registry.update(r, ri.namespace, ri.name!, body, o);
        writeOne(req, res, neg, r, result.created ? 201 : 200, result.entry, result.warnings);
        return;
      }
      case "patch": {
        const type = patchTypes[mediaType(req.headers["content-type"])];
        if (!type) {
          throw new StatusError(
            415,
            "UnsupportedMediaType",
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
          );
        }
        const raw = await readBody(req);
        const body = decodeBody(raw, type === "apply" ? "application/yaml" : "application/json");
        const result = await registry.patch(
          r,
          ri.namespace,
          ri.name!,
          type,
          body,
          writeOpts(type === "apply"),
        );
        writeOne(req, res, neg, r, result.created ? 201 : 200, result.entry, result.warnings);
        return;
      }
      case "delete": {
        const opts = await deleteOptions(req, query);
        const result = await registry.delete(r, ri.namespace, ri.name!, opts, dryRun(query));
        if (result.deleted && r.kind !== "Pod") {
          const meta = result.entry.object.metadata;
          sendObject(
            req,
            res,
            200,
            {
              kind: "Status",
              apiVersion: "v1",
              metadata: {},
              status: "Success",
              details: { name: meta.name, group: r.group, kind: r.plural, uid: meta.uid },
            },
            neg.format,
          );
          return;
        }
        writeOne(req, res, neg, r, 200, result.entry);
        return;
      }
      case "deletecollection": {
        const opts = await deleteOptions(req, query);
        const deleted = await registry.deleteCollection(
          r,
          ri.namespace,
          listQuery(query),
          opts,
          dryRun(query),
        );
        await writeList(req, res, neg, r, {
          entries: deleted,
          resourceVersion: String(store.currentRevision()),
        });
        return;
      }
      default:
        throw methodNotAllowed(verb, qualified(r));
    }
  };
}

/** Duplicate keys in a JSON body (YAML bodies are checked by the YAML parser itself). */
function duplicatesIn(raw: Buffer, req: IncomingMessage): string[] {
  const type = mediaType(req.headers["content-type"]) || "application/json";
  return type === "application/json" ? duplicateFields(raw.toString("utf8")) : [];
}

async function deleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
  const raw = await readBody(req);
  let opts: DeleteOptions = {};
  if (raw.length > 0) {
    const body = decodeBody(raw, req.headers["content-type"], "DeleteOptions");
    if (body && typeof body === "object") opts = body as DeleteOptions;
  }
  const grace = query.get("gracePeriodSeconds");
  if (grace !== null) {
    const n = Number(grace);
    if (!Number.isInteger(n)) throw badRequest(`invalid gracePeriodSeconds: ${grace}`);
    opts.gracePeriodSeconds = n;
  }
  const policy = query.get("propagationPolicy");
  if (policy !== null) opts.propagationPolicy = policy;
  const orphan = query.get("orphanDependents");
  if (orphan !== null) opts.orphanDependents = orphan === "true";
  if (opts.propagationPolicy && !["Orphan", "Background", "Foreground"].includes(opts.propagationPolicy)) {
    throw invalid("DeleteOptions", "meta.k8s.io", "", [
      {
        type: "FieldValueNotSupported",
        field: "propagationPolicy",
        value: opts.propagationPolicy,
        supported: ["Foreground", "Background", "Orphan", "nil"],
      },
    ]);
  }
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 1;
  return opts;
}

export { send };
