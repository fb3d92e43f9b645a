// What the sandbox and container halves of the backend share: options, on-disk records, the OCI
// runtime's CLI, and a few verbs each half calls on the other.

import type { ImageService } from "../../image/service.js";
import type { NetworkPlugin } from "../../network/plugin.js";
import type { Logger } from "../../util/log.js";
import type { NotFoundError } from "../runtime.js";
import type { OciCli, OciRuntimeName } from "./oci-cli.js";
import type { RecordStore } from "./records.js";

export interface OciRuntimeOptions {
  /** State dir, e.g. `<dataDir>/agent/runtime`: records, bundles, rootfs mounts, exit files. */
  rootDir: string;
  images: ImageService;
  /**
   * The pod network. Without one, pods get a network namespace of their own with only loopback
   * (useful on a node without CNI and in tests); hostNetwork pods never use it.
   */
  network?: NetworkPlugin;
  /** Where named pod netns live; default /run/netns. */
  netnsDir?: string;
  /** "auto": crun on a pure cgroup v2 host, runc otherwise. */
  runtime?: OciRuntimeName | "auto";
  conmonPath?: string;
  catatonitPath?: string;
  /** Parent of pod cgroups when the sandbox config names none: `<cgroupParent>/pod<uid>`; default "kite". */
  cgroupParent?: string;
  /** Used for pods without a dnsConfig; default /etc/resolv.conf. */
  hostResolvConf?: string;
  log?: Logger;
}

export interface Backend {
  opts: OciRuntimeOptions;
  records: RecordStore;
  cli: OciCli;
  conmonPath: string;
  catatonitPath: string;
  log?: Logger;
  notFound(kind: "sandbox" | "container", id: string): NotFoundError;
  stopContainer(id: string, gracePeriodSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  /** Signals a container (or pause) and waits for conmon's exit file; false if it did not come. */
  killAndWait(id: string, signal: string, timeoutMs: number): Promise<boolean>;
}
