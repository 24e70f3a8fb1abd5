// The removals a file plan asks for, after the run's kills (so that a segment whose last holder
// was just killed can go in the same run): who holds the planned files is read once more over
// the processes there are NOW (started since the scan too), then each file is re-checked and
// unlinked through its opened directory (file-removal.ts), and every attempt is audited.
//
// One holder re-read for the batch, not one per file: a re-read costs a pass over every
// process's maps and fds (about 0.1 ms a process), and 500 files × 10,000 processes would be
// minutes. What changes between that read and an unlink (a process opening the file in those
// milliseconds) is the window left; a segment opened by name later (sem_open) is why remove
// rules need an age floor (config: remove requires older_than).
import type { FileEntry } from "../rules/file-plan-types.js";
import { holderTargets, readHolders } from "../scan/file-holders.js";
import { inodeKey, type HolderIndex, type LeftoverFile } from "../scan/leftover-types.js";
import { listProcessIds } from "../scan/process-ids.js";
import { removeFile, type HeldCheck, type RemovalReason } from "./file-removal.js";

export interface FileRemovalResult {
  rule: string;
  path: string;
  dev: number;
  ino: number;
  uid: number;
  sizeBytes: number;
  outcome: "removed" | "would-remove" | RemovalReason;
  bytesFreed: number;
  detail?: string;
}

export interface FileAuditRecord {
  time: string;
  rule: string;
  /** What the agent did to a file: unlink (a file) or rmdir (a directory and what it held). */
  action: "unlink" | "rmdir";
  path: string;
  dev: number;
  ino: number;
  uid: number;
  sizeBytes: number;
  outcome: FileRemovalResult["outcome"];
  bytesFreed: number;
  detail?: string;
}

export interface FileRemovalOptions {
  procRoot: string;
  wallClock: () => number;
  audit: (record: FileAuditRecord) => void;
}

export function removeFiles(
  entries: readonly FileEntry[],
  options: FileRemovalOptions,
): FileRemovalResult[] {
  const removals = entries.filter((e) => e.action === "remove");
  if (removals.length === 0) return [];
  const index = holdersNow(
    removals.map((e) => e.file),
    options.procRoot,
  );
  return removals.map((entry) => {
    const { file } = entry;
    const outcome = removeFile(file, () => heldNow(file, index));
    const result: FileRemovalResult = {
      rule: entry.rule,
      path: file.path,
      dev: file.dev,
      ino: file.ino,
      uid: file.uid,
      sizeBytes: file.sizeBytes,
      outcome: outcome.removed ? "removed" : (outcome.reason ?? "failed"),
      bytesFreed: outcome.bytesFreed,
      ...(outcome.detail !== undefined && { detail: outcome.detail }),
    };
    try {
      options.audit({
        time: new Date(options.wallClock()).toISOString(),
        action: file.kind === "dir" ? "rmdir" : "unlink",
        ...result,
      });
    } catch {
      // As for signals: a failed audit write does not undo what was done.
    }
    return result;
  });
}

/** The planned files' holders among the processes there are now. */
function holdersNow(files: readonly LeftoverFile[], procRoot: string): HolderIndex {
  const targets = holderTargets(
    files,
    files.map((f) => f.dir),
  );
  return readHolders(procRoot, targets, listProcessIds(procRoot));
}

function heldNow(file: LeftoverFile, index: HolderIndex): HeldCheck {
  const keys = [
    inodeKey(file.dev, file.ino),
    ...(file.contents ?? []).map((c) => inodeKey(c.dev, c.ino)),
  ];
  for (const key of keys) {
    const holder = index.byInode.get(key)?.[0];
    if (holder) return { held: true, why: `held by ${holder.pid} (${holder.how}) now` };
  }
  if (index.unknown.length > 0) {
    const first = index.unknown[0]!;
    return {
      held: true,
      why: `holders unknown now: ${index.unknown.length} process${index.unknown.length === 1 ? "" : "es"} unreadable (pid ${first.pid}: ${first.reason})`,
    };
  }
  return { held: false };
}
