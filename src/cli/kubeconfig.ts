// The admin kubeconfig `kite server` writes, as k3s writes /etc/rancher/k3s/k3s.yaml.
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { stringify } from "yaml";

export interface KubeconfigParams {
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
}

export function renderKubeconfig(p: KubeconfigParams): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "default", cluster: { server: p.server, "certificate-authority-data": b64(p.caCert) } },
    ],
    contexts: [{ name: "default", context: { cluster: "default", user: "default" } }],
    "current-context": "default",
    preferences: {},
    users: [
      {
        name: "default",
        user: { "client-certificate-data": b64(p.clientCert), "client-key-data": b64(p.clientKey) },
      },
    ],
  });
}

export async function writeKubeconfig(file: string, p: KubeconfigParams, mode = 0o600): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, renderKubeconfig(p), { mode });
  await rename(tmp, file);
}
