// The runtime-owning process of restart.test.ts: starts two pods over the given root, prints their
// ids as one JSON line, then idles until the test kills it with SIGKILL.
import { openImageStore } from "../../src/image/store.js";
import { newOciRuntime } from "../../src/runtime/oci/oci-runtime.js";

const [rootDir, cgroupParent, imagesDir, image, logDir] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const images = await openImageStore({ dataDir: imagesDir });
const rt = newOciRuntime({ rootDir, images, cgroupParent });
const out: { sandboxes: string[]; containers: string[] } = { sandboxes: [], containers: [] };
for (const name of ["one", "two"]) {
  const uid = `${name}-${process.pid}`;
  const sb = await rt.runPodSandbox({
    metadata: { name, namespace: "default", uid, attempt: 0 },
    hostname: name,
    logDirectory: `${logDir}/default_${name}_${uid}`,
  });
  // Pod "two"'s container exits with 7 once /dev/shm/go exists (the pod's shm, a host dir).
  const command =
    name === "one"
      ? ["sleep", "3600"]
      : ["sh", "-c", "while [ ! -e /dev/shm/go ]; do sleep 0.05; done; exit 7"];
  const c = await rt.createContainer(sb, {
    metadata: { name: "c", attempt: 0 },
    image,
    command,
    logPath: "c/0.log",
  });
  await rt.startContainer(c);
  out.sandboxes.push(sb);
  out.containers.push(c);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
setInterval(() => {}, 1 << 30);
