// A stand-alone `kite images` for tests and manual runs until src/cli/main.ts wires the command in:
// node dist/test/images/cli-entry.js images ls --data-dir /tmp/x
import { Command } from "commander";
import { registerImagesCommand } from "../../src/cli/images.js";

const program = new Command("kite");
registerImagesCommand(program, { dataDir: "/var/lib/kite", privateRegistry: "/etc/kite/registries.yaml" });
await program.parseAsync(process.argv);
