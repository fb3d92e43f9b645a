// The README's kubectl support table, made from the walkthrough test's results and nothing else
// (test/e2e/walkthrough.test.ts writes them; scripts/support-table.mjs writes the table into
// README.md and the results into docs/support.json; the test checks README.md against its run).

export interface StepResult {
  ok: boolean;
  /** why it failed, one short line */
  reason?: string;
}

export interface WalkthroughResults {
  /** the walkthrough's steps, in order */
  steps: string[];
  /** kubectl versions ("1.20", "1.27", …), in order */
  versions: string[];
  /** results[version][step] */
  results: Record<string, Record<string, StepResult>>;
}

export const tableBegin = "<!-- support-table:begin -->";
export const tableEnd = "<!-- support-table:end -->";

/** Table cells are one line; a `|` would split the cell. */
function cell(r: StepResult | undefined): string {
  if (!r) return "not run";
  if (r.ok) return "✓";
  return `✗ ${(r.reason ?? "failed").replace(/\s+/g, " ").replace(/\|/g, "\\|")}`;
}

/** Markdown: one row per step, one column per kubectl version. */
export function renderTable(res: WalkthroughResults): string {
  const lines = [
    `| step | ${res.versions.map((v) => `kubectl ${v}`).join(" | ")} |`,
    `| --- | ${res.versions.map(() => ":---:").join(" | ")} |`,
  ];
  for (const step of res.steps) {
    lines.push(`| ${step} | ${res.versions.map((v) => cell(res.results[v]?.[step])).join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The table as README.md has it between the markers, or undefined without them. */
export function readmeTable(readme: string): string | undefined {
  const b = readme.indexOf(tableBegin);
  const e = readme.indexOf(tableEnd);
  if (b < 0 || e < b) return undefined;
  return readme.slice(b + tableBegin.length, e).trim();
}

/** README.md with the section between the markers replaced by `table`. */
export function replaceTable(readme: string, table: string): string {
  const b = readme.indexOf(tableBegin);
  const e = readme.indexOf(tableEnd);
  if (b < 0 || e < b) throw new Error(`README.md has no ${tableBegin} … ${tableEnd} section`);
  return `${readme.slice(0, b + tableBegin.length)}\n${table}\n${readme.slice(e)}`;
}
