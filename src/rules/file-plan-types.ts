// What planFiles() returns: plain data, like Plan (plan-types.ts), printed by `--dry-run --json`
// and acted on by the removal edge, which re-checks each file before it unlinks it.
import type { FileAction, Severity } from "../config/types.js";
import type { LeftoverFile } from "../scan/leftover-types.js";

/** Why a file whose name a rule's globs matched was not acted on; report.schema.json lists them. */
export const FILE_SPARE_CODES = [
  "kind", // not the rule's kind; or a symlink, socket, fifo or device, which is never removed
  "earlier-rule", // an earlier rule's globs matched it: the first rule wins
  "held", // a process holds it (fd, mapping, cwd, socket; for a directory, anything in it)
  "holders-unknown", // some process's holdings could not be read, or a directory's contents
  "creator-running", // the pid its name carries is in the process table
  "creator-unknown", // not in the table, but the table may be incomplete (hidepid)
  "too-young", // mtime or ctime within older_than
  "too-small", // not over size_over
  "owner", // not one of owner
  "over-budget", // its rule would remove more than a file or byte budget allows
  "listing-truncated", // its rule's directory listing was cut, so the rule's count is unknown
] as const;
export type FileSpareCode = (typeof FILE_SPARE_CODES)[number];

/** A file a rule reports, alerts on or removes, with the facts that decided. */
export interface FileEntry {
  action: FileAction;
  rule: string;
  severity: Severity;
  file: LeftoverFile;
  /** e.g. "no holder", "creator 4123 gone", "age 3d ≥ 1d". */
  reasons: string[];
}

export interface SparedFile {
  rule: string;
  file: LeftoverFile;
  code: FileSpareCode;
  reasons: string[];
}

/** A remove rule that would have gone over a budget, or whose count is unknown: it removes nothing. */
export interface FileBudgetRefusal {
  rule: string;
  scope: "rule" | "run";
  /** What went over: the file count, the bytes; "listing": a listing was cut, the count is unknown. */
  measure: "files" | "bytes" | "listing";
  /** Files (files, listing) or bytes (bytes) the rule would remove. */
  would: number;
  /** Files or bytes allowed; for the run, what was left of it. */
  budget: number;
  severity: Severity;
  message: string;
}

/** A directory a rule names whose listing is incomplete or missing. */
export interface ListingNote {
  dir: string;
  /** The rules that name it. */
  rules: string[];
  truncated: boolean;
  /** Why it could not be listed (or "not listed" when the scan gave no listing for it). */
  problem?: string;
}

export interface FilePlan {
  entries: FileEntry[];
  spared: SparedFile[];
  refusals: FileBudgetRefusal[];
  listings: ListingNote[];
}
