// The pod network seam (the kubelet's network plugin / CRI's CNI manager): give a pod's network
// namespace an interface and an IP, and take them away again. The backend is CNI (cni.ts) with
// the reference plugins from Debian's containernetworking-plugins.

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  protocol: "TCP" | "UDP" | "SCTP";
  hostIP?: string;
}

export interface PodNetworkRequest {
  /** the sandbox id, CNI_CONTAINERID */
  sandboxId: string;
  namespace: string;
  name: string;
  uid: string;
  /** path of the pod's network namespace, e.g. /run/netns/kite-<sandboxId> */
  netnsPath: string;
  /** interface inside the pod, "eth0" */
  ifName?: string;
  portMappings?: PortMapping[];
}

export interface PodNetworkStatus {
  /** the pod IP, e.g. 10.42.0.5 */
  ip: string;
  /** prefix length of the pod's subnet, e.g. 24 */
  prefixLength: number;
  gateway: string;
  /** host-side veth name */
  hostVeth?: string;
  /** the bridge the pod is attached to */
  bridge: string;
}

export interface NetworkPlugin {
  /** CNI ADD: attach the pod's netns to the pod network. Idempotent for the same sandboxId. */
  setUpPod(req: PodNetworkRequest): Promise<PodNetworkStatus>;
  /** CNI DEL: detach and release the IP. Succeeds when already gone. */
  tearDownPod(req: PodNetworkRequest): Promise<void>;
  /** The status recorded at setUp, re-read after a restart (undefined if none). */
  podStatus(sandboxId: string): Promise<PodNetworkStatus | undefined>;
  /** Release IP allocations and host state of sandboxes not in `liveSandboxIds` (leaks after a crash). */
  garbageCollect(liveSandboxIds: ReadonlySet<string>): Promise<string[]>;
}

export interface NetworkConfig {
  /** bridge device on the host, default "kite0" */
  bridge: string;
  /** cluster CIDR, default 10.42.0.0/16 */
  clusterCIDR: string;
  /** this node's pod subnet, default 10.42.0.0/24 */
  podCIDR: string;
  /** where IP allocations and per-sandbox results are kept, under the data dir */
  stateDir: string;
  /** CNI plugin binaries, default /usr/lib/cni */
  cniBinDir: string;
  /** MTU of pod interfaces, default 1500 */
  mtu?: number;
}
