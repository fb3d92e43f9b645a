// Removing the nat rules and chains the reference plugins left behind for a sandbox. Both bridge
// (ipMasq) and portmap tag their rules with a comment `name: "<network>" id: "<containerID>"`
// (portmap's starts with "dnat "), and each jumps to a per-sandbox CNI-… chain.
//
// Why this exists: bridge 1.1's DEL finds the pod's addresses for its masquerade rules inside the
// network namespace, so when the namespace is already gone it releases the IP but leaves the
// CNI-<hash> chain and its POSTROUTING jump behind forever. Garbage collection after a crash has
// the same problem for every sandbox whose namespace went with it.

import { run } from "../util/exec.js";
import type { Logger } from "../util/log.js";

export interface SavedRule {
  chain: string;
  /** the rule's arguments after `-A <chain>`, unquoted, ready for `iptables -D <chain> …` */
  spec: string[];
  comment?: string;
  target?: string;
}

/** Split one iptables-save line into arguments, undoing its "…" quoting and \" escapes. */
export function splitRuleLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === " ") i++;
    if (i >= line.length) break;
    let tok = "";
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < line.length) i++;
        tok += line[i];
        i++;
      }
      i++;
    } else {
      while (i < line.length && line[i] !== " ") tok += line[i++];
    }
    out.push(tok);
  }
  return out;
}

/** The rules of one table from `iptables-save -t <table>`. */
export function parseSavedRules(text: string): SavedRule[] {
  const rules: SavedRule[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("-A ")) continue;
    const args = splitRuleLine(line);
    const chain = args[1]!;
    const spec = args.slice(2);
    const rule: SavedRule = { chain, spec };
    const c = spec.indexOf("--comment");
    if (c >= 0 && spec[c + 1] !== undefined) rule.comment = spec[c + 1];
    const j = spec.lastIndexOf("-j");
    if (j >= 0 && spec[j + 1] !== undefined) rule.target = spec[j + 1];
    rules.push(rule);
  }
  return rules;
}

/** The container id in a reference plugin's comment for network `network`, if it is one. */
export function commentSandboxId(comment: string, network: string): string | undefined {
  const prefix = `name: "${network}" id: "`;
  const at = comment.startsWith(prefix) ? 0 : comment.startsWith(`dnat ${prefix}`) ? 5 : -1;
  if (at < 0 || !comment.endsWith('"')) return undefined;
  return comment.slice(at + prefix.length, -1);
}

// Chains the plugins share between all sandboxes; never removed here.
const sharedChain = /^CNI-HOSTPORT-/;

export interface SweepPlan {
  /** rules to delete (jumps into per-sandbox chains), in order */
  deletes: SavedRule[];
  /** per-sandbox chains to flush and remove after that */
  chains: string[];
}

/** What to remove for the sandboxes `ids` selects, from the nat table's rules. */
export function planSweep(rules: SavedRule[], network: string, ids: (id: string) => boolean): SweepPlan {
  const chains = new Set<string>();
  for (const r of rules) {
    const id = r.comment === undefined ? undefined : commentSandboxId(r.comment, network);
    if (id === undefined || !ids(id)) continue;
    if (r.target?.startsWith("CNI-") && !sharedChain.test(r.target)) chains.add(r.target);
  }
  // Rules inside the doomed chains go with the flush; only the jumps into them need deleting.
  const deletes = rules.filter((r) => {
    if (chains.has(r.chain)) return false;
    if (r.target !== undefined && chains.has(r.target)) return true;
    const id = r.comment === undefined ? undefined : commentSandboxId(r.comment, network);
    return id !== undefined && ids(id);
  });
  return { deletes, chains: [...chains] };
}

/** Sandbox ids that have plugin rules for `network` in the nat table. */
export function sandboxIdsWithRules(rules: SavedRule[], network: string): Set<string> {
  const out = new Set<string>();
  for (const r of rules) {
    const id = r.comment === undefined ? undefined : commentSandboxId(r.comment, network);
    if (id !== undefined) out.add(id);
  }
  return out;
}

export async function savedNatRules(log?: Logger): Promise<SavedRule[]> {
  try {
    return parseSavedRules((await run("iptables-save", ["-t", "nat"], { log })).stdout);
  } catch {
    // No nat table yet (nothing ever created one) is not an error for a sweep.
    return [];
  }
}

/** Delete the nat rules and per-sandbox chains of the selected sandboxes; returns their ids. */
export async function sweepNatRules(
  network: string,
  ids: (id: string) => boolean,
  log?: Logger,
  rules?: SavedRule[],
): Promise<Set<string>> {
  const all = rules ?? (await savedNatRules(log));
  const plan = planSweep(all, network, ids);
  const swept = new Set<string>();
  for (const r of plan.deletes) {
    const id = r.comment === undefined ? undefined : commentSandboxId(r.comment, network);
    if (id !== undefined) swept.add(id);
    // -w: wait for the xtables lock the plugins take too, instead of failing.
    await run("iptables", ["-w", "-t", "nat", "-D", r.chain, ...r.spec], { log }).catch((err) =>
      log?.warn({ err, chain: r.chain }, "iptables rule already gone"),
    );
  }
  for (const c of plan.chains) {
    await run("iptables", ["-w", "-t", "nat", "-F", c], { log }).catch(() => {});
    await run("iptables", ["-w", "-t", "nat", "-X", c], { log }).catch((err) =>
      log?.warn({ err, chain: c }, "iptables chain not removed"),
    );
  }
  return swept;
}
