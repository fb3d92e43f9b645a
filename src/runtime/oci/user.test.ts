import assert from "node:assert/strict";
import { test } from "node:test";
import { hostsFile, resolvConf } from "./etc-files.js";
import { resolveUser } from "./user.js";

const passwd =
  "root:x:0:0:root:/root:/bin/sh\nnginx:x:101:102:nginx:/nonexistent:/bin/false\nnobody:x:65534:65534::/:/bin/false\n";
const group = "root:x:0:\nnginx:x:102:\nwww:x:33:nginx,other\nnogroup:x:65534:\n";

test("the container's user: runAsUser, image USER by name or number, groups from /etc/group", () => {
  assert.deepEqual(resolveUser({}, passwd, group), { uid: 0, gid: 0, additionalGids: [] });
  assert.deepEqual(resolveUser({ runAsUser: 65534 }, passwd, group), {
    uid: 65534,
    gid: 65534,
    additionalGids: [],
  });
  assert.deepEqual(resolveUser({ runAsUser: 4000 }, passwd, group), {
    uid: 4000,
    gid: 0,
    additionalGids: [],
  });
  assert.deepEqual(resolveUser({ runAsUsername: "nginx" }, passwd, group), {
    uid: 101,
    gid: 102,
    additionalGids: [33],
  });
  assert.deepEqual(resolveUser({ runAsUsername: "nginx:www" }, passwd, group), {
    uid: 101,
    gid: 33,
    additionalGids: [],
  });
  assert.deepEqual(resolveUser({ runAsUsername: "1000:2000" }, passwd, group), {
    uid: 1000,
    gid: 2000,
    additionalGids: [],
  });
  assert.deepEqual(
    resolveUser({ runAsUser: 101, runAsGroup: 5, supplementalGroups: [9, 33] }, passwd, group),
    {
      uid: 101,
      gid: 5,
      additionalGids: [9, 33],
    },
  );
  assert.throws(() => resolveUser({ runAsUsername: "ghost" }, passwd, group), /unable to find user "ghost"/);
});

test("the kubelet's hosts file and a resolv.conf from the pod's DNS config", () => {
  assert.equal(
    hostsFile({
      podIP: "10.42.0.5",
      hostname: "web",
      hostAliases: [{ ip: "1.2.3.4", hostnames: ["a", "b"] }],
    }),
    [
      "# Kubernetes-managed hosts file.",
      "127.0.0.1\tlocalhost",
      "::1\tlocalhost ip6-localhost ip6-loopback",
      "fe00::0\tip6-localnet",
      "fe00::0\tip6-mcastprefix",
      "fe00::1\tip6-allnodes",
      "fe00::2\tip6-allrouters",
      "10.42.0.5\tweb",
      "",
      "# Entries added by HostAliases.",
      "1.2.3.4\ta\tb",
      "",
    ].join("\n"),
  );
  assert.match(
    hostsFile({ podIP: "10.42.0.5", hostname: "web", hostFQDN: "web.sub.ns.svc.cluster.local" }),
    /^10\.42\.0\.5\tweb\.sub\.ns\.svc\.cluster\.local\tweb$/m,
  );
  assert.equal(
    resolvConf({
      servers: ["10.43.0.10"],
      searches: ["ns.svc.cluster.local", "svc.cluster.local"],
      options: ["ndots:5"],
    }),
    "search ns.svc.cluster.local svc.cluster.local\nnameserver 10.43.0.10\noptions ndots:5\n",
  );
});
