// `kite agent --server URL --token TOKEN`: this machine joins a kite cluster as a node, as a
// k3s agent does. It checks the server's CA against the token, then runs the same node agent
// `kite server` embeds.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { fetchClusterCA } from "../client/bootstrap.js";
import { newClient } from "../client/client.js";
import { newLogger } from "../util/log.js";
import { nodeConfigFrom, nodeFlags, startNode } from "./node.js";
import { kubernetesVersion } from "./server.js";

export function registerAgentCommand(program: Command): void {
  const cmd = program
    .command("agent")
    .description("Join a kite cluster as a node and run its pods")
    .requiredOption("--server <url>", "the kite server to join, e.g. https://10.0.0.1:6443")
    .option("--token <token>", "the join token (the server's <data-dir>/server/token)")
    .option("--token-file <file>", "read the join token from a file")
    .option("--data-dir <dir>", "folder to hold state", "/var/lib/kite")
    .option(
      "--private-registry <file>",
      "registries.yaml with mirrors and credentials",
      "/etc/kite/registries.yaml",
    )
    .option("--log-level <level>", "debug, info, warn or error", "info");
  for (const [flag, help, def] of nodeFlags) cmd.option(flag, help, def);
  cmd.action(async (o: Record<string, string>) => {
    const log = newLogger(o.logLevel);
    try {
      const token = (o.token ?? (o.tokenFile ? readFileSync(o.tokenFile, "utf8") : "")).trim();
      if (!token) throw new Error("give the join token with --token or --token-file");
      // flags first: a bad one is reported before the server is contacted
      const cfg = nodeConfigFrom(
        o,
        String(o.dataDir),
        String(o.privateRegistry),
        kubernetesVersion.gitVersion,
      );
      const server = String(o.server).replace(/\/+$/, "");
      const ca = await fetchClusterCA(server, token);
      const client = newClient({ server, ca, token, userAgent: "kite-agent" });
      const node = await startNode(cfg, client, ca, log);
      await node.agent.ready;
      log.info({ server, node: cfg.nodeName }, "kite agent is ready");
      const shutdown = () => {
        void node.stop().then(() => {
          client.close();
          process.exit(0);
        });
      };
      process.once("SIGTERM", shutdown);
      process.once("SIGINT", shutdown);
    } catch (err) {
      process.stderr.write(`kite agent: ${(err as Error).message}\n`);
      process.exit(1);
    }
  });
}
