// The removal budgets, with the kill budget's semantics (plan.ts): a remove rule that would go
// over its own budget (max_files, max_bytes) or what is left of the run's removes nothing this
// run and is refused, loudly; nothing is removed "up to the budget", because a rule that matches
// more than expected is more likely wrong than right. A rule whose directory listing was cut
// cannot know its count: refused too.
import type { FileRule, Settings } from "../config/types.js";
import { formatSize } from "../config/units.js";
import type { FileBudgetRefusal } from "./file-plan-types.js";

export interface RunBudget {
  files: number;
  bytes: number;
}

export function fileBudgetRefusal(
  rule: FileRule,
  would: { files: number; bytes: number; truncatedDir: string | null },
  used: RunBudget,
  settings: Pick<Settings, "maxFilesPerRun" | "maxFileBytesPerRun">,
): FileBudgetRefusal | null {
  const refuse = (
    scope: FileBudgetRefusal["scope"],
    measure: FileBudgetRefusal["measure"],
    budget: number,
    message: string,
  ): FileBudgetRefusal => ({
    rule: rule.name,
    scope,
    measure,
    would: measure === "bytes" ? would.bytes : would.files,
    budget,
    severity: "critical",
    message: `${message}: it removes none this run`,
  });
  const { files, bytes } = would;
  const name = `file rule ${rule.name}`;
  if (would.truncatedDir !== null)
    return refuse(
      "rule",
      "listing",
      rule.maxFiles,
      `the listing of ${would.truncatedDir} stopped at its entry limit, so ${name} may match more than the ${files} ${plural(files)} seen`,
    );
  if (files > rule.maxFiles)
    return refuse(
      "rule",
      "files",
      rule.maxFiles,
      `${name} matched ${files} files to remove, over its budget of ${rule.maxFiles} (max_files)`,
    );
  if (rule.maxBytes !== null && bytes > rule.maxBytes)
    return refuse(
      "rule",
      "bytes",
      rule.maxBytes,
      `${name} matched ${formatSize(bytes)} to remove, over its budget of ${formatSize(rule.maxBytes)} (max_bytes)`,
    );
  const filesLeft = settings.maxFilesPerRun - used.files;
  if (files > filesLeft)
    return refuse(
      "run",
      "files",
      filesLeft,
      `${name} would remove ${files} ${plural(files)}, but only ${filesLeft} remain of this run's budget of ${settings.maxFilesPerRun} (settings.max_files_per_run)`,
    );
  if (settings.maxFileBytesPerRun !== null) {
    const bytesLeft = settings.maxFileBytesPerRun - used.bytes;
    if (bytes > bytesLeft)
      return refuse(
        "run",
        "bytes",
        bytesLeft,
        `${name} would remove ${formatSize(bytes)}, but only ${formatSize(bytesLeft)} remain of this run's budget of ${formatSize(settings.maxFileBytesPerRun)} (settings.max_file_bytes_per_run)`,
      );
  }
  return null;
}

function plural(n: number): string {
  return n === 1 ? "file" : "files";
}
