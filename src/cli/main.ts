// The kite command line: `kite server`, `kite images …` (more verbs arrive with the agent).
import { Command } from "commander";
import { registerAgentCommand } from "./agent.js";
import { registerImagesCommand } from "./images.js";
import { registerInspectCommand } from "./inspect.js";
import { registerServerCommand } from "./server.js";

const program = new Command();
program
  .name("kite")
  .description("A Kubernetes-compatible pod engine: real pods on this Linux machine, driven by real kubectl")
  .version("0.1.0");
registerServerCommand(program);
registerAgentCommand(program);
registerInspectCommand(program);
registerImagesCommand(program, { dataDir: "/var/lib/kite", privateRegistry: "/etc/kite/registries.yaml" });
await program.parseAsync(process.argv);
