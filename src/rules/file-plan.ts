// planFiles(listings, holders, snapshot, rules, settings, nowMs) → FilePlan. Pure, like plan():
// no I/O, no clock (nowMs is passed). Each file a rule's globs match is either an entry (report,
// alert, remove) with the facts that decided, or spared with a code and why. Rules are judged in
// file order and a file belongs to the first rule whose globs and kind match it; remove rules
// then pass the budgets (file-budget.ts). The removal edge re-checks every entry before unlink.
import type { FileRule, NameMatch, Settings } from "../config/types.js";
import type { DirListing, HolderIndex, LeftoverFile } from "../scan/leftover-types.js";
import type { Snapshot } from "../scan/types.js";
import { tableGaps } from "./conditions/table-gaps.js";
import { fileBudgetRefusal, type RunBudget } from "./file-budget.js";
import { checkFile, type FileContext } from "./file-conditions.js";
import type { FileEntry, FilePlan, ListingNote, SparedFile } from "./file-plan-types.js";

export type FilePlanSettings = Pick<Settings, "maxFilesPerRun" | "maxFileBytesPerRun">;

export function planFiles(
  listings: readonly DirListing[],
  holders: HolderIndex,
  snapshot: Snapshot,
  rules: readonly FileRule[],
  settings: FilePlanSettings,
  nowMs: number,
): FilePlan {
  const byPid = new Map(snapshot.processes.map((p) => [p.pid, p]));
  const context: FileContext = {
    holders,
    lookup: (pid) => byPid.get(pid),
    tableGaps: tableGaps(snapshot.processes, snapshot.unreadable),
    nowMs,
  };
  const byDir = new Map(listings.map((l) => [l.dir, l]));
  const out: FilePlan = { entries: [], spared: [], refusals: [], listings: [] };
  const notes = new Map<string, ListingNote>();
  /** path → the rule that judged it (first rule wins). */
  const claimed = new Map<string, string>();
  const used: RunBudget = { files: 0, bytes: 0 };

  for (const rule of rules) {
    const { matched, truncatedDir } = matchedFiles(rule, byDir, notes);
    const entries: FileEntry[] = [];
    for (const { file, match } of matched) {
      const kindMiss = kindProblem(rule, file);
      if (kindMiss && kindMiss.claims === false) {
        out.spared.push(spared(rule, file, "kind", [kindMiss.detail]));
        continue;
      }
      const earlier = claimed.get(file.path);
      if (earlier !== undefined) {
        out.spared.push(
          spared(rule, file, "earlier-rule", [
            `judged by file rule ${earlier}, the first whose paths match it`,
          ]),
        );
        continue;
      }
      claimed.set(file.path, rule.name);
      if (kindMiss) {
        out.spared.push(spared(rule, file, "kind", [kindMiss.detail]));
        continue;
      }
      const verdict = checkFile(rule.conditions, file, match.pid, context);
      const failure = verdict.failures[0];
      if (failure) {
        const reasons = verdict.failures.map((f) => f.detail);
        out.spared.push(spared(rule, file, failure.code, reasons));
        continue;
      }
      entries.push({
        action: rule.action,
        rule: rule.name,
        severity: rule.severity,
        file,
        reasons: verdict.facts.length > 0 ? verdict.facts : [`name matches ${globOf(rule, file)}`],
      });
    }
    if (rule.action !== "remove" || entries.length === 0) {
      out.entries.push(...entries);
      continue;
    }
    const bytes = entries.reduce((sum, e) => sum + e.file.sizeBytes, 0);
    const refusal = fileBudgetRefusal(
      rule,
      { files: entries.length, bytes, truncatedDir },
      used,
      settings,
    );
    if (refusal) {
      out.refusals.push(refusal);
      const code = refusal.measure === "listing" ? "listing-truncated" : "over-budget";
      for (const e of entries) out.spared.push(spared(rule, e.file, code, [refusal.message]));
      continue;
    }
    used.files += entries.length;
    used.bytes += bytes;
    out.entries.push(...entries);
  }
  out.listings = [...notes.values()];
  return out;
}

/**
 * The files of a rule's directories whose names its globs match, once each, with the pid the
 * first matching glob reads; and the first of its directories whose listing was cut.
 */
function matchedFiles(
  rule: FileRule,
  byDir: Map<string, DirListing>,
  notes: Map<string, ListingNote>,
): { matched: { file: LeftoverFile; match: NameMatch }[]; truncatedDir: string | null } {
  const matched: { file: LeftoverFile; match: NameMatch }[] = [];
  const seen = new Set<string>();
  let truncatedDir: string | null = null;
  for (const dir of new Set(rule.paths.map((g) => g.dir))) {
    const listing = byDir.get(dir);
    const problem = listing === undefined ? "not listed" : listing.problem;
    if (listing === undefined || listing.truncated || problem !== undefined) {
      const note = notes.get(dir) ?? {
        dir,
        rules: [],
        truncated: listing?.truncated ?? false,
        ...(problem !== undefined && { problem }),
      };
      note.rules.push(rule.name);
      notes.set(dir, note);
    }
    if (listing === undefined) continue;
    if (listing.truncated) truncatedDir ??= dir;
    const globs = rule.paths.filter((g) => g.dir === dir);
    for (const file of listing.files) {
      // Only what the listing says is in this directory, under its own name: never elsewhere.
      if (file.dir !== dir || file.path !== `${dir}/${file.name}` || seen.has(file.path)) continue;
      for (const g of globs) {
        const match = g.match(file.name);
        if (match === null) continue;
        seen.add(file.path);
        matched.push({ file, match });
        break;
      }
    }
  }
  return { matched, truncatedDir };
}

/**
 * Why the rule does not act on a file of this kind. `claims`: the rule's kind matched (kind
 * any) but the action cannot take it (a symlink, socket, fifo or device is never removed), so no
 * later rule gets it either.
 */
function kindProblem(
  rule: FileRule,
  file: LeftoverFile,
): { detail: string; claims: boolean } | null {
  const what = file.kind === "other" ? "other (a symlink, socket, fifo or device)" : file.kind;
  if (rule.kind !== "any" && file.kind !== rule.kind)
    return { detail: `kind ${what}, not ${rule.kind}`, claims: false };
  if (file.kind === "other" && rule.action === "remove")
    return { detail: `kind ${what}: never removed`, claims: true };
  return null;
}

function globOf(rule: FileRule, file: LeftoverFile): string {
  return rule.paths.find((g) => g.dir === file.dir && g.match(file.name) !== null)?.text ?? "";
}

function spared(
  rule: FileRule,
  file: LeftoverFile,
  code: SparedFile["code"],
  reasons: string[],
): SparedFile {
  return { rule: rule.name, file, code, reasons };
}
