// The generic registry: one implementation of get, list, create, update, patch and delete for
// every resource, kube-apiserver's genericregistry.Store. Per-resource behaviour comes from the
// resource's strategy (src/api/strategies); storage is the Store seam.
import type { DeleteOptions } from "kubernetes-types/meta/v1.js";
import {
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  gone,
  methodNotAllowed,
  notFound,
  type QualifiedResource,
  StatusError,
  staleResourceVersion,
} from "../../api/errors.js";
import { invalid } from "../../api/field-errors.js";
import { deepCopy, type KubeObject, type Meta, type StoredObject } from "../../api/object.js";
import {
  apiVersionOf,
  findResource,
  type ResourceInfo,
  storageKey,
  storagePrefix,
} from "../../api/registry.js";
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  type Store,
  type StoreEntry,
} from "../../store/store.js";
import type { AdmissionPlugin } from "../admission.js";
import type { FieldValidation, Machinery, PatchType } from "./machinery.js";
import { nameRequired, prepareMetaForCreate, prepareMetaForUpdate, timestamp } from "./meta.js";

export interface WriteOptions {
  dryRun: boolean;
  fieldManager: string;
  fieldValidation: FieldValidation;
  subresource?: string;
  force?: boolean;
  /** duplicate JSON keys found in the raw body (kube reports them under fieldValidation) */
  duplicateFields?: string[];
}

export interface WriteResult {
  entry: StoreEntry;
  warnings: string[];
  created: boolean;
}

export interface ListQuery {
  labelSelector: string | null;
  fieldSelector: string | null;
  limit: number;
  continueToken: string | null;
  resourceVersion: string | null;
  resourceVersionMatch: string | null;
}

export interface ListPage {
  entries: StoreEntry[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export interface DeleteResult {
  entry: StoreEntry;
  /** false when the object lingers (graceful deletion, finalizers) */
  deleted: boolean;
}

const core = (plural: string): ResourceInfo => findResource("", "v1", plural)!;

export function qualified(r: ResourceInfo): QualifiedResource {
  return { group: r.group, resource: r.plural };
}

/** Resources a PUT may create (kube's AllowCreateOnUpdate). */
const createOnUpdate = new Set(["Event", "Lease"]);

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(rv: number, lastKey: string, prefix: string): string {
  // kube's token: the key relative to the list prefix, with a NUL to start strictly after it.
  const token: ContinueToken = { v: "meta.k8s.io/v1", rv, start: `${lastKey.slice(prefix.length)}\u0000` };
  return Buffer.from(JSON.stringify(token)).toString("base64url");
}

function decodeContinue(token: string, prefix: string): { rv: number; afterKey: string } {
  let parsed: ContinueToken;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as ContinueToken;
  } catch {
    throw badRequest("continue key is not valid: illegal base64 data at input byte 0");
  }
  if (parsed.v !== "meta.k8s.io/v1")
    throw badRequest(
      "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
    );
  if (typeof parsed.rv !== "number" || parsed.rv <= 0)
    throw badRequest(
      "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
    );
  if (typeof parsed.start !== "string" || parsed.start.includes("/..") || parsed.start.startsWith("/")) {
    throw badRequest("continue key is not valid: path traversal attempt");
  }
  return {
    rv: parsed.rv,
    afterKey: prefix + (parsed.start.endsWith("\u0000") ? parsed.start.slice(0, -1) : parsed.start),
  };
}

function parseResourceVersion(rv: string, what = "resourceVersion"): number {
  const n = Number(rv);
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(n)) throw badRequest(`invalid ${what}: ${rv}`);
  return n;
}

export interface GenericRegistry {
  get(r: ResourceInfo, ns: string | undefined, name: string): Promise<StoreEntry>;
  list(r: ResourceInfo, ns: string | undefined, q: ListQuery): Promise<ListPage>;
  create(r: ResourceInfo, ns: string | undefined, body: unknown, o: WriteOptions): Promise<WriteResult>;
  update(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    body: unknown,
    o: WriteOptions,
  ): Promise<WriteResult>;
  patch(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    o: WriteOptions,
  ): Promise<WriteResult>;
  delete(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    opts: DeleteOptions,
    dryRun: boolean,
  ): Promise<DeleteResult>;
  deleteCollection(
    r: ResourceInfo,
    ns: string | undefined,
    q: ListQuery,
    opts: DeleteOptions,
    dryRun: boolean,
  ): Promise<StoreEntry[]>;
  /** Binds a pod to a node (pods/binding), as the scheduler does. */
  bind(ns: string, podName: string, body: unknown): Promise<void>;
  /** the predicate for list/watch selectors */
  selector(
    r: ResourceInfo,
    q: Pick<ListQuery, "labelSelector" | "fieldSelector">,
  ): ((o: StoredObject) => boolean) | undefined;
  listPrefix(r: ResourceInfo, ns: string | undefined): string;
}

function asObject(body: unknown, r: ResourceInfo): KubeObject {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
  }
  const obj = body as KubeObject;
  const want = apiVersionOf(r);
  if (obj.apiVersion !== undefined && obj.apiVersion !== want) {
    throw badRequest(
      `the API version in the data (${obj.apiVersion}) does not match the expected API version (${want})`,
    );
  }
  if (obj.kind !== undefined && obj.kind !== r.kind) {
    throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${r.kind})`);
  }
  obj.apiVersion = want;
  obj.kind = r.kind;
  if (obj.metadata !== undefined && (typeof obj.metadata !== "object" || obj.metadata === null)) {
    throw badRequest(
      `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: json: cannot unmarshal ${typeof obj.metadata} into Go struct field ${r.kind}.metadata of type v1.Meta`,
    );
  }
  return obj;
}

/** Stable comparison of two objects ignoring resourceVersion and managedFields timestamps. */
function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const c = { ...o, metadata: { ...o.metadata } } as KubeObject & { metadata: Meta };
    delete c.metadata.resourceVersion;
    c.metadata.managedFields = c.metadata.managedFields?.map((f) => ({ ...f, time: undefined }));
    return JSON.stringify(c);
  };
  return strip(a) === strip(b);
}

export function newGenericRegistry(
  store: Store,
  m: Machinery,
  admission: AdmissionPlugin[] = [],
  clock: () => Date = () => new Date(),
): GenericRegistry {
  const keyOf = (r: ResourceInfo, ns: string | undefined, name: string) => storageKey(r, ns, name);
  const listPrefix = (r: ResourceInfo, ns: string | undefined) =>
    r.namespaced && ns ? `${storagePrefix(r)}${ns}/` : storagePrefix(r);

  function fieldChecks(
    r: ResourceInfo,
    obj: KubeObject,
    fv: FieldValidation,
    duplicates: string[] = [],
  ): string[] {
    const unknown = m.unknownFields(r, obj);
    if (unknown.length === 0 && duplicates.length === 0) return [];
    if (fv === "Strict") throw m.strictDecodingError(r, unknown, duplicates);
    if (unknown.length) m.pruneUnknownFields(r, obj);
    if (fv !== "Warn") return [];
    return [
      ...duplicates.map((p) => `duplicate field "${p}"`),
      ...unknown.map((p) => `unknown field "${p}"`),
    ];
  }

  async function namespaceAdmission(r: ResourceInfo, ns: string | undefined): Promise<void> {
    if (!r.namespaced || !ns) return;
    const e = await store.get(storageKey(core("namespaces"), undefined, ns));
    if (!e) throw notFound({ group: "", resource: "namespaces" }, ns);
    if (
      e.object.metadata.deletionTimestamp ||
      (e.object.status as { phase?: string } | undefined)?.phase === "Terminating"
    ) {
      throw forbidden(
        qualified(r),
        "",
        `unable to create new content in namespace ${ns} because it is being terminated`,
      );
    }
  }

  function validationFailed(
    r: ResourceInfo,
    obj: KubeObject,
    errs: ReturnType<ResourceInfoStrategy["validateCreate"]>,
  ): never {
    throw invalid(r.kind, r.group, obj.metadata?.name ?? "", errs);
  }
  type ResourceInfoStrategy = ReturnType<Machinery["strategy"]>;

  async function get(r: ResourceInfo, ns: string | undefined, name: string): Promise<StoreEntry> {
    const e = await store.get(keyOf(r, ns, name));
    if (!e) throw notFound(qualified(r), name);
    return e;
  }

  function selector(r: ResourceInfo, q: Pick<ListQuery, "labelSelector" | "fieldSelector">) {
    return m.selector(r, q.labelSelector || null, q.fieldSelector || null);
  }

  async function list(r: ResourceInfo, ns: string | undefined, q: ListQuery): Promise<ListPage> {
    const prefix = listPrefix(r, ns);
    const predicate = selector(r, q);
    let revision: number | undefined;
    let afterKey: string | undefined;
    if (q.continueToken) {
      const c = decodeContinue(q.continueToken, prefix);
      revision = c.rv;
      afterKey = c.afterKey;
    } else if (q.resourceVersion && q.resourceVersion !== "0" && q.resourceVersionMatch === "Exact") {
      revision = parseResourceVersion(q.resourceVersion);
    } else if (q.resourceVersion) {
      parseResourceVersion(q.resourceVersion);
    }
    try {
      const res = await store.list({
        prefix,
        revision,
        afterKey,
        limit: q.limit > 0 ? q.limit : undefined,
        predicate,
      });
      const page: ListPage = { entries: res.entries, resourceVersion: String(res.revision) };
      if (res.lastKey) {
        page.continueToken = encodeContinue(res.revision, res.lastKey, prefix);
        if (res.remaining !== undefined) page.remainingItemCount = res.remaining;
      }
      return page;
    } catch (err) {
      if (err instanceof CompactedError) {
        if (q.continueToken) {
          throw gone(
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
          );
        }
        throw gone(`too old resource version: ${err.requested} (${err.compacted + 1})`);
      }
      throw err;
    }
  }

  async function create(
    r: ResourceInfo,
    ns: string | undefined,
    body: unknown,
    o: WriteOptions,
  ): Promise<WriteResult> {
    if (!r.verbs.includes("create")) throw methodNotAllowed("create", qualified(r));
    const obj = asObject(body, r);
    const warnings = fieldChecks(r, obj, o.fieldValidation, o.duplicateFields);
    const res = await admitAndStore(r, ns, obj, o, (now) =>
      m.updateManagedFields(r, { oldObj: undefined, newObj: obj, manager: o.fieldManager, now }),
    );
    res.warnings.unshift(...warnings);
    return res;
  }

  /**
   * The create path shared by POST and apply-creates: ObjectMeta, defaulting, validation,
   * namespace admission, field ownership (`recordManager`), then the store.
   */
  async function admitAndStore(
    r: ResourceInfo,
    ns: string | undefined,
    obj: KubeObject,
    o: WriteOptions,
    recordManager: (now: Date) => void,
  ): Promise<WriteResult> {
    const now = clock();
    const managed = obj.metadata?.managedFields;
    prepareMetaForCreate(r, obj, ns, now);
    const strategy = m.strategy(r);
    strategy.applyDefaults(obj);
    strategy.prepareForCreate(obj);
    for (const plugin of admission) await plugin(r, obj, store);
    const errs = [...nameRequired(obj.metadata), ...strategy.validateCreate(obj)];
    if (errs.length) validationFailed(r, obj, errs);
    await namespaceAdmission(r, ns);
    const warnings = strategy.warnings?.(obj) ?? [];
    obj.metadata!.managedFields = managed;
    recordManager(now);
    const name = obj.metadata!.name!;
    const key = keyOf(r, ns, name);
    if (o.dryRun) {
      if (await store.get(key)) throw alreadyExists(qualified(r), name);
      return { entry: dryEntry(key, obj), warnings, created: true };
    }
    try {
      return { entry: await store.create(key, obj as StoredObject), warnings, created: true };
    } catch (err) {
      if (err instanceof KeyExistsError) throw alreadyExists(qualified(r), name);
      throw err;
    }
  }

  function dryEntry(key: string, obj: KubeObject): StoreEntry {
    return { key, object: obj as StoredObject, json: JSON.stringify(obj), modRevision: 0, createRevision: 0 };
  }

  /**
   * The shared tail of update and patch: given the stored entry and the object the client wants,
   * prepare, validate, record field ownership and write it if anything changed. Returns undefined
   * when the stored object changed underneath (the caller retries).
   */
  async function writeUpdate(
    r: ResourceInfo,
    cur: StoreEntry,
    obj: KubeObject,
    o: WriteOptions,
    preconditionRV: string | undefined,
    recordManager: boolean,
  ): Promise<WriteResult | undefined> {
    const name = cur.object.metadata.name;
    if (preconditionRV && preconditionRV !== cur.object.metadata.resourceVersion) {
      throw staleResourceVersion(qualified(r), name);
    }
    const strategy = m.strategy(r);
    const now = clock();
    const metaErrs = prepareMetaForUpdate(r, obj, cur.object);
    if (metaErrs.length) {
      throw conflict(
        qualified(r),
        name,
        `Precondition failed: UID in precondition: ${obj.metadata?.uid}, UID in object meta: ${cur.object.metadata.uid}`,
      );
    }
    strategy.applyDefaults(obj);
    if (o.subresource === "status") strategy.prepareForStatusUpdate(obj, cur.object);
    else if (o.subresource === "finalize") finalizeOnly(obj, cur.object);
    else strategy.prepareForUpdate(obj, cur.object);
    const errs =
      o.subresource === "status"
        ? strategy.validateStatusUpdate(obj, cur.object)
        : strategy.validateUpdate(obj, cur.object);
    if (errs.length) validationFailed(r, obj, errs);
    const warnings = strategy.warnings?.(obj) ?? [];
    if (recordManager) {
      m.updateManagedFields(r, {
        oldObj: cur.object,
        newObj: obj,
        manager: o.fieldManager,
        subresource: o.subresource,
        now,
      });
    }
    obj.metadata!.resourceVersion = cur.object.metadata.resourceVersion;
    if (sameContent(obj, cur.object)) return { entry: cur, warnings, created: false };
    if (o.dryRun) return { entry: dryEntry(cur.key, obj), warnings, created: false };
    // A finalizer removed from an object that is being deleted may complete the deletion.
    if (shouldDeleteDuringUpdate(obj)) {
      try {
        return {
          entry: await store.delete(cur.key, (c) => {
            if (c.modRevision !== cur.modRevision)
              throw new RevisionMismatchError(cur.key, cur.modRevision, c.modRevision);
          }),
          warnings,
          created: false,
        };
      } catch (err) {
        if (err instanceof RevisionMismatchError || err instanceof KeyNotFoundError) return undefined;
        throw err;
      }
    }
    try {
      const entry = await store.update(cur.key, () => obj as StoredObject, cur.modRevision);
      return { entry: entry!, warnings, created: false };
    } catch (err) {
      if (err instanceof RevisionMismatchError || err instanceof KeyNotFoundError) {
        if (preconditionRV) throw staleResourceVersion(qualified(r), name);
        return undefined;
      }
      throw err;
    }
  }

  /** namespaces/finalize changes spec.finalizers and nothing else (kube's FinalizeREST). */
  function finalizeOnly(obj: KubeObject, old: KubeObject): void {
    const finalizers = (obj.spec as { finalizers?: string[] } | undefined)?.finalizers;
    for (const k of Object.keys(obj)) delete obj[k];
    Object.assign(obj, deepCopy(old));
    obj.spec = { ...(obj.spec as object), finalizers };
  }

  function shouldDeleteDuringUpdate(obj: KubeObject): boolean {
    const meta = obj.metadata!;
    if (!meta.deletionTimestamp || (meta.finalizers?.length ?? 0) > 0) return false;
    if (obj.kind === "Namespace")
      return ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers?.length ?? 0) === 0;
    return (meta.deletionGracePeriodSeconds ?? 0) === 0;
  }

  async function update(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    body: unknown,
    o: WriteOptions,
  ): Promise<WriteResult> {
    const obj = asObject(body, r);
    const warnings = fieldChecks(r, obj, o.fieldValidation, o.duplicateFields);
    const meta = (obj.metadata ??= {});
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    if (r.namespaced && meta.namespace && ns && meta.namespace !== ns) {
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    meta.name = name;
    const rv = meta.resourceVersion || undefined;
    if (rv) parseResourceVersion(rv, "resourceVersion");
    for (;;) {
      const cur = await store.get(keyOf(r, ns, name));
      if (!cur) {
        if (createOnUpdate.has(r.kind) && !o.subresource) {
          delete meta.resourceVersion;
          return create(r, ns, obj, o);
        }
        throw notFound(qualified(r), name);
      }
      const res = await writeUpdate(r, cur, deepCopy(obj), o, rv, true);
      if (res) {
        res.warnings.unshift(...warnings);
        return res;
      }
    }
  }

  async function patch(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    o: WriteOptions,
  ): Promise<WriteResult> {
    for (let attempt = 0; ; attempt++) {
      const cur = await store.get(keyOf(r, ns, name));
      const now = clock();
      if (type === "apply") {
        const applied = asObject(deepCopy(body), r);
        const warnings = fieldChecks(r, applied, o.fieldValidation);
        if (applied.metadata?.name !== undefined && applied.metadata.name !== name) {
          throw badRequest(
            `the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`,
          );
        }
        const merged = m.apply(r, {
          live: cur ? deepCopy(cur.object) : undefined,
          applied,
          manager: o.fieldManager,
          force: o.force ?? false,
          subresource: o.subresource,
          now,
        });
        if (!cur) {
          if (o.subresource) throw notFound(qualified(r), name);
          merged.metadata = { ...merged.metadata, name };
          // Field ownership was computed by the apply itself.
          const res = await admitAndStore(r, ns, merged, o, () => {});
          res.warnings.unshift(...warnings);
          return res;
        }
        const rv = applied.metadata?.resourceVersion || undefined;
        const res = await writeUpdate(r, cur, merged, o, rv, false);
        if (res) {
          res.warnings.unshift(...warnings);
          return res;
        }
        continue;
      }
      if (!cur) throw notFound(qualified(r), name);
      const patched = m.patch(r, type, deepCopy(cur.object), body);
      const patchedObj = asObject(patched, r);
      const warnings = fieldChecks(r, patchedObj, o.fieldValidation);
      if (patchedObj.metadata?.name !== name) {
        throw badRequest(
          `the name of the object (${patchedObj.metadata?.name}) does not match the name on the URL (${name})`,
        );
      }
      // A resourceVersion the patch itself sets is a precondition, as kube treats it.
      const rv =
        patchedObj.metadata?.resourceVersion !== cur.object.metadata.resourceVersion
          ? patchedObj.metadata?.resourceVersion
          : undefined;
      const res = await writeUpdate(r, cur, patchedObj, o, rv, true);
      if (res) {
        res.warnings.unshift(...warnings);
        return res;
      }
      if (attempt > 5) throw staleResourceVersion(qualified(r), name);
    }
  }

  async function del(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    opts: DeleteOptions,
    dryRun: boolean,
  ): Promise<DeleteResult> {
    for (;;) {
      const cur = await get(r, ns, name);
      const meta = cur.object.metadata;
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw conflict(
          qualified(r),
          name,
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`,
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw conflict(
          qualified(r),
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
        );
      }
      const next = deepCopy(cur.object);
      const nmeta = next.metadata;
      const grace = gracePeriod(r, cur.object, opts);
      const finalizers = new Set(nmeta.finalizers ?? []);
      const policy = opts.propagationPolicy ?? (opts.orphanDependents ? "Orphan" : undefined);
      if (policy === "Orphan") finalizers.add("orphan");
      if (policy === "Foreground") finalizers.add("foregroundDeletion");
      if (opts.orphanDependents === false || policy === "Background") finalizers.delete("orphan");
      const nsFinalizers =
        r.kind === "Namespace"
          ? ((next.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [])
          : [];
      const now = clock();
      const lingers = grace > 0 || finalizers.size > 0 || nsFinalizers.length > 0;
      if (!lingers) {
        if (dryRun) return { entry: cur, deleted: true };
        try {
          const entry = await store.delete(cur.key, (c) => {
            if (c.modRevision !== cur.modRevision)
              throw new RevisionMismatchError(cur.key, cur.modRevision, c.modRevision);
          });
          return { entry, deleted: true };
        } catch (err) {
          if (err instanceof RevisionMismatchError) continue;
          if (err instanceof KeyNotFoundError) throw notFound(qualified(r), name);
          throw err;
        }
      }
      // Graceful deletion: mark it; the owner of the object (agent, controller) finishes it.
      if (nmeta.deletionTimestamp) {
        const current = nmeta.deletionGracePeriodSeconds ?? 0;
        if (grace >= current && finalizers.size === (nmeta.finalizers?.length ?? 0))
          return { entry: cur, deleted: false };
      }
      const deadline = new Date(now.getTime() + grace * 1000);
      if (!nmeta.deletionTimestamp || grace < (nmeta.deletionGracePeriodSeconds ?? 0)) {
        nmeta.deletionTimestamp = timestamp(deadline);
        nmeta.deletionGracePeriodSeconds = grace;
      }
      nmeta.finalizers = [...finalizers];
      if (nmeta.finalizers.length === 0) delete nmeta.finalizers;
      if (r.kind === "Namespace")
        (next.status as { phase?: string }) = { ...(next.status as object), phase: "Terminating" };
      if (dryRun) return { entry: dryEntry(cur.key, next), deleted: false };
      try {
        const entry = await store.update(cur.key, () => next, cur.modRevision);
        return { entry: entry!, deleted: false };
      } catch (err) {
        if (err instanceof RevisionMismatchError) continue;
        throw err;
      }
    }
  }

  /** kube's BeforeDelete: the grace period a delete gets, per resource. */
  function gracePeriod(r: ResourceInfo, obj: StoredObject, opts: DeleteOptions): number {
    if (r.kind !== "Pod") return 0;
    const pod = obj as StoredObject & {
      spec?: { nodeName?: string; terminationGracePeriodSeconds?: number };
      status?: { phase?: string };
    };
    // An unscheduled pod or one that has finished has nothing to stop: it goes at once.
    if (!pod.spec?.nodeName) return 0;
    if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return 0;
    let grace = opts.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    if (grace < 0) grace = 1;
    return grace;
  }

  async function deleteCollection(
    r: ResourceInfo,
    ns: string | undefined,
    q: ListQuery,
    opts: DeleteOptions,
    dryRun: boolean,
  ): Promise<StoreEntry[]> {
    const page = await list(r, ns, { ...q, limit: 0, continueToken: null });
    const out: StoreEntry[] = [];
    for (const e of page.entries) {
      try {
        out.push((await del(r, e.object.metadata.namespace, e.object.metadata.name, opts, dryRun)).entry);
      } catch (err) {
        if (!(err instanceof StatusError && err.reason === "NotFound")) throw err;
      }
    }
    return out;
  }

  async function bind(ns: string, podName: string, body: unknown): Promise<void> {
    const pods = core("pods");
    const binding = body as { metadata?: Meta; target?: { kind?: string; name?: string } } | null;
    if (!binding || typeof binding !== "object") throw badRequest("Binding is missing");
    const target = binding.target?.name;
    if (!target)
      throw invalid("Binding", "", podName, [{ type: "FieldValueRequired", field: "target.name" }]);
    if (binding.target?.kind && binding.target.kind !== "Node") {
      throw invalid("Binding", "", podName, [
        {
          type: "FieldValueNotSupported",
          field: "target.kind",
          value: binding.target.kind,
          supported: ["Node"],
        },
      ]);
    }
    for (;;) {
      const cur = await get(pods, ns, podName);
      const pod = deepCopy(cur.object) as StoredObject & {
        spec: { nodeName?: string };
        status?: { conditions?: Array<Record<string, unknown>> };
      };
      if (pod.metadata.deletionTimestamp) {
        throw conflict(qualified(pods), podName, "pod is being deleted, cannot be assigned to a host");
      }
      if (pod.spec.nodeName) {
        throw conflict(
          qualified(pods),
          podName,
          `pod ${podName} is already assigned to node "${pod.spec.nodeName}"`,
        );
      }
      pod.spec.nodeName = target;
      const status = (pod.status ??= {});
      const conditions = (status.conditions ??= []).filter((c) => c.type !== "PodScheduled");
      conditions.push({
        type: "PodScheduled",
        status: "True",
        lastProbeTime: null,
        lastTransitionTime: timestamp(clock()),
      });
      status.conditions = conditions;
      try {
        await store.update(cur.key, () => pod, cur.modRevision);
        return;
      } catch (err) {
        if (err instanceof RevisionMismatchError) continue;
        throw err;
      }
    }
  }

  return {
    get,
    list,
    create,
    update,
    patch,
    delete: del,
    deleteCollection,
    bind,
    selector,
    listPrefix,
  };
}
