// The chapter end to end, as a new user follows it, with every kubectl on the machine (1.20 from
// Debian's kubernetes-client, 1.27 … 1.33): the manifests in examples/ exactly as printed, exec -it
// in a real terminal (tmux), the claim's data surviving the pod, and the pause + main pod sharing
// localhost. One kite server with its agent serves all versions, one after another.
//
// Each step's result per version is recorded; the last test writes them to
// dist/test-results/walkthrough.json and checks that README.md's support table is the one these
// results make (scripts/support-table.mjs refreshes it), so the README cannot drift from the test.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type KiteServer, startKite } from "../support/kite.js";
import { kubectl, kubectlPath, kubectlVersions } from "../support/kubectl.js";
import { startTestRegistry, type TestRegistry } from "../support/registry.js";
import {
  readmeTable,
  renderTable,
  type StepResult,
  type WalkthroughResults,
} from "../support/support-table.js";
import { openTerminal, type Terminal } from "../support/tmux.js";
import { eventually } from "../support/wait.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const examples = join(repo, "examples");
const resultsFile = join(repo, "dist", "test-results", "walkthrough.json");

/** The table's rows, in the chapter's order. */
const Steps = {
  create: "`kubectl create -f pod.yaml`",
  get: "`kubectl get pods` (1/1 Running)",
  wide: "`kubectl get pods -o wide` (IP, node)",
  describe: "`kubectl describe pod/web-pod` (events)",
  execIt: "`kubectl exec -it web-pod -- /bin/sh` (terminal)",
  logs: "`kubectl logs web-pod`",
  delete: "`kubectl delete po/web-pod`",
  claim: "`kubectl create -f volume-claim.yaml`, `get pvc` (Bound)",
  writeVolume: "`pod-with-vol.yaml`: `exec -it`, write `/data/sample.txt`",
  readVolume: "delete, re-create: `cat /data/sample.txt` is `Hello world!`",
  pauseMain: "pause + main pod: 2/2 Running",
  localhost: "`exec -c main -- wget -qO- localhost` (nginx)",
  sameIP: "`ip a show eth0`: one address in both containers",
  execMain: "`exec -it -c main -- /bin/sh` (busybox, `/ # `)",
  logsMain: "`kubectl logs web-pod -c main`",
} as const;
type Step = (typeof Steps)[keyof typeof Steps];

// KITE_TEST_KUBECTL=1.20,1.33 runs only those (the README check is then skipped)
const only = process.env.KITE_TEST_KUBECTL?.split(",");
const versions = kubectlVersions().filter((v) => !only || only.includes(v));
const results: Record<string, Record<string, StepResult>> = {};

let registry: TestRegistry;
let k: KiteServer;
let nodeName: string;
before(async () => {
  registry = await startTestRegistry();
  k = await startKite({ agent: { registriesYaml: registry.registriesYaml } });
  nodeName = await eventually(async () => {
    const r = await kubectl(k, "1.33", ["get", "nodes", "-o", "jsonpath={.items[0].metadata.name}"]);
    return r.stdout.trim() || undefined;
  });
});
after(async () => {
  try {
    await k?.cleanup();
  } finally {
    await registry?.stop();
  }
});

/** One line, short enough for a table cell. */
function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const line = msg.split("\n").find((l) => l.trim()) ?? "failed";
  return line.length > 100 ? `${line.slice(0, 97)}…` : line;
}

for (const v of versions) {
  test(`kubectl ${v}: the chapter's walkthrough, step by step`, async () => {
    const r: Record<string, StepResult> = (results[v] = {});
    const step = async (name: Step, fn: () => Promise<void>) => {
      try {
        await fn();
        r[name] = { ok: true };
      } catch (err) {
        r[name] = { ok: false, reason: reason(err) };
      }
    };
    const kc = (args: string[]) => kubectl(k, v, args, { timeoutMs: 60_000 });
    const ok = async (args: string[]) => {
      const res = await kc(args);
      assert.equal(res.code, 0, `kubectl ${args.join(" ")}: ${res.stderr.trim()}`);
      return res.stdout;
    };
    const env = { HOME: k.home, KUBECONFIG: k.kubeconfig };
    const terminal = (args: string[]) => openTerminal(kubectlPath(v), args, env);
    /** `get pods` with this kubectl until the pod is Running with every container ready. */
    const running = (ready: string) =>
      eventually(async () => {
        const out = (await kc(["get", "pods"])).stdout;
        return new RegExp(`^web-pod\\s+${ready}\\s+Running\\s+0\\s+\\d+s$`, "m").test(out) && out;
      }, 60_000).catch(async () => {
        throw new Error(`web-pod is not ${ready} Running: ${(await kc(["get", "pods"])).stdout.trim()}`);
      });
    /** Types each command at the prompt and waits for the next prompt: the screen is the session. */
    const session = async (
      t: Terminal,
      prompt: string,
      lines: [cmd: string, out: string[], nextPrompt?: string][],
    ) => {
      // what the shell prints before its first prompt (busybox: its banner)
      let screen = await t.waitFor(new RegExp(`(^|\n)${prompt.replace(/[/.*+?^${}()|[\]\\]/g, "\\$&")}$`));
      // busybox's prompt is the working directory and "#": a cd changes it
      let p = prompt;
      for (const [cmd, out, next] of lines) {
        await t.type(cmd);
        p = next ?? p;
        screen = [`${screen} ${cmd}`, ...out, p].join("\n");
        await t.waitFor(screen);
      }
      await t.type("exit");
      const status = await t.exited();
      const last = await t.screen();
      assert.equal(last, `${screen} exit`, `the session ended showing ${JSON.stringify(last)}`);
      assert.equal(status, 0, "kubectl's exit status after exit");
    };
    /** A step that failed may leave its pod behind; the next part of the chapter starts without it. */
    const reset = () =>
      kubectl(k, "1.33", ["delete", "pod", "web-pod", "--ignore-not-found", "--grace-period=1"], {
        timeoutMs: 60_000,
      });
    const inTerminal = async (args: string[], fn: (t: Terminal) => Promise<void>) => {
      const t = await terminal(args);
      try {
        await fn(t);
      } finally {
        await t.close();
      }
    };

    try {
      // The chapter's pod.
      await step(Steps.create, async () => {
        assert.equal((await ok(["create", "-f", join(examples, "pod.yaml")])).trim(), "pod/web-pod created");
      });
      await step(Steps.get, async () => {
        await running("1/1");
      });
      await step(Steps.wide, async () => {
        const out = await ok(["get", "pods", "-o", "wide"]);
        assert.match(
          out,
          /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m,
        );
        const row = /^web-pod\s+1\/1\s+Running\s+0\s+\d+s\s+(\S+)\s+(\S+)\s+<none>\s+<none>$/m.exec(out);
        assert.ok(row, out);
        assert.match(row[1]!, /^10\.42\.\d+\.\d+$/);
        assert.equal(row[2], nodeName);
      });
      await step(Steps.describe, async () => {
        const want = [
          /^Name:\s+web-pod$/m,
          /^Status:\s+Running$/m,
          /^IP:\s+10\.42\.\d+\.\d+$/m,
          /^\s+Image:\s+nginx:alpine$/m,
          /^\s+Port:\s+80\/TCP$/m,
          /^\s+Ready:\s+True$/m,
          /Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned default\/web-pod to \S+/,
          /Normal\s+Pulled\s+.*kubelet\s+/,
          /Normal\s+Created\s+.*kubelet\s+Created container web/,
          /Normal\s+Started\s+.*kubelet\s+Started container web/,
        ];
        let out = "";
        await eventually(async () => {
          out = await ok(["describe", "pod/web-pod"]);
          return want.every((re) => re.test(out));
        }, 10_000).catch(() => {
          const missing = want.find((re) => !re.test(out));
          throw new Error(`describe shows no ${missing}`);
        });
      });
      await step(Steps.execIt, () =>
        // the nginx image's /bin/sh is busybox's, as on the book's alpine: the prompt is "/ #"
        inTerminal(["exec", "-it", "web-pod", "--", "/bin/sh"], (t) =>
          session(t, "/ #", [
            ["hostname", ["web-pod"]],
            ["echo hi > /tmp/x", []],
            ["cat /tmp/x", ["hi"]],
          ]),
        ),
      );
      await step(Steps.logs, async () => {
        // nginx logs each request on its stdout: ask it for a page, then read the access log line
        const ip = await ok(["get", "pod", "web-pod", "-o", "jsonpath={.status.podIP}"]);
        const page = await eventually(async () => {
          const res = await fetch(`http://${ip}/`).catch(() => undefined);
          return res?.ok && (await res.text());
        }, 15_000);
        assert.match(page, /<title>Welcome to nginx!<\/title>/);
        const line = await eventually(async () => {
          const res = await kc(["logs", "web-pod"]);
          assert.equal(res.code, 0, res.stderr);
          return /^10\.42\.\d+\.\d+ - - \[[^\]]+\] "GET \/ HTTP\/1\.1" 200 \d+ "-" "[^"]*"$/m.test(
            res.stdout,
          );
        }, 10_000);
        assert.ok(line);
      });
      await step(Steps.delete, async () => {
        assert.equal((await ok(["delete", "po/web-pod"])).trim(), 'pod "web-pod" deleted');
        const after = await kc(["get", "pods"]);
        assert.match(after.stderr, /No resources found in default namespace/);
      });

      // The claim, and a file on it that outlives the pod.
      await reset();
      await step(Steps.claim, async () => {
        assert.equal(
          (await ok(["create", "-f", join(examples, "volume-claim.yaml")])).trim(),
          "persistentvolumeclaim/my-data-claim created",
        );
        await eventually(async () => {
          const out = await ok(["get", "pvc"]);
          return /^my-data-claim\s+Bound\s+pvc-[0-9a-f-]{36}\s+2Gi\s+RWO\s+local-path\s/m.test(out);
        }, 20_000).catch(async () => {
          throw new Error(`the claim is not Bound: ${(await kc(["get", "pvc"])).stdout.trim()}`);
        });
      });
      await step(Steps.writeVolume, async () => {
        assert.equal(
          (await ok(["create", "-f", join(examples, "pod-with-vol.yaml")])).trim(),
          "pod/web-pod created",
        );
        await running("1/1");
        await inTerminal(["exec", "-it", "web-pod", "--", "/bin/sh"], (t) =>
          session(t, "/ #", [
            ["cd /data", [], "/data #"],
            ['echo "Hello world!" > sample.txt', []],
          ]),
        );
      });
      await step(Steps.readVolume, async () => {
        assert.equal((await ok(["delete", "po/web-pod"])).trim(), 'pod "web-pod" deleted');
        assert.equal(
          (await ok(["create", "-f", join(examples, "pod-with-vol.yaml")])).trim(),
          "pod/web-pod created",
        );
        await running("1/1");
        await inTerminal(["exec", "-it", "web-pod", "--", "/bin/sh"], (t) =>
          session(t, "/ #", [["cat /data/sample.txt", ["Hello world!"]]]),
        );
        assert.equal((await ok(["delete", "po/web-pod"])).trim(), 'pod "web-pod" deleted');
      });

      // pause + main: two containers, one network namespace.
      await reset();
      await step(Steps.pauseMain, async () => {
        assert.equal(
          (await ok(["create", "-f", join(examples, "pod-pause-demo.yaml")])).trim(),
          "pod/web-pod created",
        );
        await running("2/2");
      });
      await step(Steps.localhost, async () => {
        // Ready means started; nginx may need a moment more to listen
        const page = await eventually(async () => {
          const res = await kc(["exec", "web-pod", "-c", "main", "--", "wget", "-qO-", "localhost"]);
          return res.code === 0 && res.stdout;
        }, 15_000);
        assert.match(page, /<title>Welcome to nginx!<\/title>/);
      });
      await step(Steps.sameIP, async () => {
        const eth0 = async (c: string) => {
          const out = await ok(["exec", "web-pod", "-c", c, "--", "ip", "a", "show", "eth0"]);
          const inet = /^\s+inet (10\.42\.\d+\.\d+\/\d+) /m.exec(out)?.[1];
          const mac = /^\s+link\/ether (\S+) /m.exec(out)?.[1];
          assert.ok(inet && mac, `${c}: ${out}`);
          return `${inet} ${mac}`;
        };
        const [main, web] = [await eth0("main"), await eth0("web")];
        assert.equal(main, web);
        const wide = await ok(["get", "pods", "-o", "wide"]);
        assert.ok(wide.includes(` ${main.split("/")[0]} `), `the pod's IP is eth0's: ${wide}`);
      });
      await step(Steps.execMain, () =>
        // busybox's sh, as on the book's alpine: the prompt is the working directory and "#".
        inTerminal(["exec", "-it", "web-pod", "-c", "main", "--", "/bin/sh"], (t) =>
          session(t, "/ #", [
            ["hostname", ["web-pod"]],
            ["echo hi", ["hi"]],
          ]),
        ),
      );
      await step(Steps.logsMain, async () => {
        assert.equal(await ok(["logs", "web-pod", "-c", "main"]), "main is up\n");
      });
    } finally {
      // sleep as PID 1 ignores SIGTERM: a short grace, as a user who knows would give
      await reset();
      await kubectl(k, "1.33", ["delete", "pvc", "my-data-claim", "--ignore-not-found"], {
        timeoutMs: 60_000,
      });
    }
    const failed = Object.entries(r).filter(([, s]) => !s.ok);
    assert.deepEqual(
      failed.map(([name, s]) => `${name}: ${s.reason}`),
      [],
      `kubectl ${v}: steps failed`,
    );
  });
}

test("README.md's kubectl support table is the one this run's results make", {
  skip: only && "KITE_TEST_KUBECTL chose some versions only",
}, () => {
  const res: WalkthroughResults = { steps: Object.values(Steps), versions, results };
  mkdirSync(dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(res, null, 2)}\n`);
  const readme = readFileSync(join(repo, "README.md"), "utf8");
  assert.equal(
    readmeTable(readme),
    renderTable(res),
    `README.md's support table differs from this run's results (${resultsFile}): run \`node scripts/support-table.mjs\` to refresh it`,
  );
});
