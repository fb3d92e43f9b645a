// Volume benchmark (issue: volumes and storage): time from creating a PVC plus a pod using it to
// the pod Ready, against the same pod with an emptyDir; and how long a configMap change takes to
// reach a running pod's file. A real kite server with its embedded agent, images from a local
// registry, everything through the API (`npm run bench -- volume`, as root).
import type { Pod } from "kubernetes-types/core/v1.js";
import { clientFor } from "../../test/agent/helpers.js";
import { type KiteServer, startKite } from "../../test/support/kite.js";
import { kubectl } from "../../test/support/kubectl.js";
import { startTestRegistry } from "../../test/support/registry.js";

const RUNS = Number(process.env.RUNS ?? 10);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? Number.NaN;
}

function pod(name: string, volume: Record<string, unknown>): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "c",
          image: "busybox:latest",
          imagePullPolicy: "IfNotPresent",
          command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
          volumeMounts: [{ name: "v", mountPath: "/data" }],
        },
      ],
      volumes: [{ name: "v", ...volume } as NonNullable<NonNullable<Pod["spec"]>["volumes"]>[number]],
    },
  };
}

async function untilReady(k: KiteServer, name: string, started: number): Promise<number> {
  const client = clientFor(k);
  try {
    for (;;) {
      const p = await client.request<Pod>("GET", `/api/v1/namespaces/default/pods/${name}`);
      if (p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
        return performance.now() - started;
      if (performance.now() - started > 120_000) throw new Error(`${name} not Ready`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    client.close();
  }
}

async function main(): Promise<void> {
  const registry = await startTestRegistry();
  const k = await startKite({ agent: { registriesYaml: registry.registriesYaml } });
  const client = clientFor(k);
  try {
    // Warm the image so neither row pays for the pull.
    await client.request("POST", "/api/v1/namespaces/default/pods", pod("warm", { emptyDir: {} }));
    await untilReady(k, "warm", performance.now());
    await kubectl(k, "1.33", ["delete", "pod", "warm", "--grace-period=1"]);

    const pvc: number[] = [];
    const empty: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      await client.request("POST", "/api/v1/namespaces/default/persistentvolumeclaims", {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: `claim-${i}` },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      });
      await client.request(
        "POST",
        "/api/v1/namespaces/default/pods",
        pod(`pvc-${i}`, { persistentVolumeClaim: { claimName: `claim-${i}` } }),
      );
      pvc.push(await untilReady(k, `pvc-${i}`, t));
      t = performance.now();
      await client.request("POST", "/api/v1/namespaces/default/pods", pod(`empty-${i}`, { emptyDir: {} }));
      empty.push(await untilReady(k, `empty-${i}`, t));
      await kubectl(k, "1.33", ["delete", "pod", `pvc-${i}`, `empty-${i}`, "--grace-period=1"]);
      await kubectl(k, "1.33", ["delete", "pvc", `claim-${i}`]);
    }

    // configMap propagation: the time from the update to the new value in the pod's file.
    await client.request("POST", "/api/v1/namespaces/default/configmaps", {
      metadata: { name: "settings" },
      data: { colour: "blue-0" },
    });
    await client.request(
      "POST",
      "/api/v1/namespaces/default/pods",
      pod("cm", { configMap: { name: "settings" } }),
    );
    await untilReady(k, "cm", performance.now());
    const propagation: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const t = performance.now();
      await client.request(
        "PATCH",
        "/api/v1/namespaces/default/configmaps/settings",
        { data: { colour: `blue-${i}` } },
        "application/merge-patch+json",
      );
      for (;;) {
        const r = await kubectl(k, "1.33", ["exec", "cm", "--", "cat", "/data/colour"]);
        if (r.stdout.trim() === `blue-${i}`) break;
        if (performance.now() - t > 120_000) throw new Error("configMap change never arrived");
        await new Promise((r) => setTimeout(r, 200));
      }
      propagation.push(performance.now() - t);
    }

    const row = (what: string, xs: number[]) =>
      `| ${what} | ${xs.length} | ${quantile(xs, 0.5).toFixed(0)} | ${quantile(xs, 0.99).toFixed(0)} |`;
    console.log("| measure | n | p50 ms | p99 ms |");
    console.log("| --- | ---: | ---: | ---: |");
    console.log(row("PVC + pod created -> pod Ready (local-path, Immediate)", pvc));
    console.log(row("emptyDir pod created -> Ready", empty));
    console.log(row("configMap update -> new value in the running pod", propagation));
  } finally {
    client.close();
    await k.cleanup();
    await registry.stop();
  }
}

await main();
