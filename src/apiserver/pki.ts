// The cluster's certificates, created on first start as k3s does: a CA, a serving certificate
// for the API server, an admin client certificate (O=system:masters) for the kubeconfig, and the
// API server's client certificate for the nodes' streaming endpoints (CN kube-apiserver-kubelet-client).
// Keys are ECDSA P-256, made with the system's openssl, kept under <data-dir>/server/tls.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { run } from "../util/exec.js";

export interface Pki {
  caCert: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  /** bearer token of the admin user, for clients that can't present a certificate */
  /** the API server's client certificate for nodes' streaming servers (kube's --kubelet-client-certificate) */
  kubeletClientCert: string;
  kubeletClientKey: string;
  adminToken: string;
  /** the join token agents present (`kite agent --token`) */
  nodeToken: string;
  dir: string;
}

const curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function issue(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await run("openssl", ["req", "-new", ...curve, "-keyout", key, "-out", csr, "-subj", subject]);
  await writeFile(ext, extensions);
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    join(dir, "server-ca.crt"),
    "-CAkey",
    join(dir, "server-ca.key"),
    "-set_serial",
    `0x${randomBytes(16).toString("hex")}`,
    "-days",
    "3650",
    "-extfile",
    ext,
    "-out",
    join(dir, `${name}.crt`),
  ]);
  await rm(csr);
  await rm(ext);
  await chmod(key, 0o600);
}

/** Loads the PKI under dataDir, creating what is missing. `sans` are extra names/IPs for the serving cert. */
export async function ensurePki(dataDir: string, sans: { dns: string[]; ips: string[] }): Promise<Pki> {
  const dir = join(dataDir, "server", "tls");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = join(dir, "server-ca.crt");
  if (!existsSync(ca)) {
    await run("openssl", [
      "req",
      "-x509",
      ...curve,
      "-keyout",
      join(dir, "server-ca.key"),
      "-out",
      ca,
      "-days",
      "3650",
      "-subj",
      `/CN=kite-server-ca@${Math.floor(Date.now() / 1000)}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    ]);
    await chmod(join(dir, "server-ca.key"), 0o600);
  }
  if (!existsSync(join(dir, "serving-kube-apiserver.crt"))) {
    const dns = [
      "localhost",
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      hostname(),
      ...sans.dns,
    ];
    const ips = ["127.0.0.1", "::1", ...sans.ips];
    const alt = [...new Set(dns)].map((d) => `DNS:${d}`).concat([...new Set(ips)].map((i) => `IP:${i}`));
    await issue(
      dir,
      "serving-kube-apiserver",
      "/CN=kube-apiserver",
      `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${alt.join(",")}\n`,
    );
  }
  if (!existsSync(join(dir, "client-admin.crt"))) {
    await issue(
      dir,
      "client-admin",
      "/O=system:masters/CN=system:admin",
      "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
    );
  }
  const caPem = await readFile(ca, "utf8");
  // The join token has k3s's shape, K10<sha256 of the CA>::node:<secret>, so an agent can check
  // the CA it fetches from /cacerts before trusting the server.
  if (!existsSync(join(dir, "client-kube-apiserver-kubelet.crt"))) {
    // The one identity a node's streaming endpoint accepts (CN as kube-apiserver's kubelet client).
    await issue(
      dir,
      "client-kube-apiserver-kubelet",
      "/O=system:masters/CN=kube-apiserver-kubelet-client",
      "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
    );
  }
  const tokenFile = async (name: string, prefix = ""): Promise<string> => {
    const file = join(dataDir, "server", name);
    if (!existsSync(file))
      await writeFile(file, `${prefix}${randomBytes(24).toString("hex")}\n`, { mode: 0o600 });
    return (await readFile(file, "utf8")).trim();
  };
  const read = (f: string) => readFile(join(dir, f), "utf8");
  return {
    dir,
    caCert: await read("server-ca.crt"),
    servingCert: await read("serving-kube-apiserver.crt"),
    servingKey: await read("serving-kube-apiserver.key"),
    adminCert: await read("client-admin.crt"),
    adminKey: await read("client-admin.key"),
    kubeletClientCert: await read("client-kube-apiserver-kubelet.crt"),
    kubeletClientKey: await read("client-kube-apiserver-kubelet.key"),
    adminToken: await tokenFile("admin-token"),
    nodeToken: await tokenFile("token", `K10${caHash(caPem)}::node:`),
  };
}

/** sha256 of the CA certificate as served at /cacerts, hex, as in a k3s token. */
export function caHash(caPem: string): string {
  return createHash("sha256").update(caPem).digest("hex");
}
