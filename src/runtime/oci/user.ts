// The container's user, resolved as containerd resolves it: a numeric runAsUser wins; an image USER
// of "name", "uid", "name:group" or "uid:gid" is looked up in the container's own /etc/passwd and
// /etc/group; supplementary groups are the pod's plus the groups /etc/group lists the user in.

import type { ResolvedUser } from "./spec.js";

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 4 || line.startsWith("#")) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (Number.isInteger(uid) && Number.isInteger(gid)) out.push({ name: f[0]!, uid, gid });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 3 || line.startsWith("#")) continue;
    const gid = Number(f[2]);
    if (Number.isInteger(gid))
      out.push({ name: f[0]!, gid, members: (f[3] ?? "").split(",").filter(Boolean) });
  }
  return out;
}

export class UserNotFoundError extends Error {
  constructor(what: string) {
    super(`unable to find ${what} in the container's /etc/passwd or /etc/group`);
    this.name = "UserNotFoundError";
  }
}

const isNumeric = (s: string) => /^[0-9]+$/.test(s);

export interface UserRequest {
  runAsUser?: number;
  runAsUsername?: string;
  runAsGroup?: number;
  supplementalGroups?: number[];
}

/** passwd/group: the container's files' contents ("" when missing). */
export function resolveUser(req: UserRequest, passwd: string, group: string): ResolvedUser {
  const users = parsePasswd(passwd);
  const groups = parseGroup(group);
  let uid = 0;
  let gid: number | undefined;
  let name: string | undefined;
  if (req.runAsUser !== undefined) {
    uid = req.runAsUser;
    const entry = users.find((u) => u.uid === uid);
    name = entry?.name;
    gid = entry?.gid;
  } else if (req.runAsUsername) {
    const [u, g] = req.runAsUsername.split(":", 2) as [string, string | undefined];
    if (isNumeric(u)) {
      uid = Number(u);
      const entry = users.find((e) => e.uid === uid);
      name = entry?.name;
      gid = entry?.gid;
    } else {
      const entry = users.find((e) => e.name === u);
      if (!entry) throw new UserNotFoundError(`user "${u}"`);
      ({ uid, gid, name } = entry);
    }
    if (g !== undefined && g !== "") {
      if (isNumeric(g)) gid = Number(g);
      else {
        const entry = groups.find((e) => e.name === g);
        if (!entry) throw new UserNotFoundError(`group "${g}"`);
        gid = entry.gid;
      }
    }
  }
  if (req.runAsGroup !== undefined) gid = req.runAsGroup;
  const primary = gid ?? 0;
  const additional = new Set<number>();
  if (name !== undefined) for (const g of groups) if (g.members.includes(name)) additional.add(g.gid);
  for (const g of req.supplementalGroups ?? []) additional.add(g);
  additional.delete(primary);
  return { uid, gid: primary, additionalGids: [...additional].sort((a, b) => a - b) };
}
