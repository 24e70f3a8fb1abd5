// Every signal attempt, appended as one JSON line to <state dir>/audit.jsonl before the run goes on.
// Opened O_APPEND|O_CREAT|O_NOFOLLOW: a symlink planted at the name is refused (ELOOP), never
// written through, and what is there must be a regular file (not a FIFO that blocks the run).
import { closeSync, constants, fstatSync, fsyncSync, openSync } from "node:fs";
import { argvExcerpt } from "../shared/argv-excerpt.js";
import { writeAll } from "../state/durable.js";
import type { FileAuditRecord } from "./file-removals.js";

const { O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = constants;

export interface AuditRecord {
  time: string;
  pid: number;
  startTicks: number;
  /** The plan's excerpt (shared/argv-excerpt.ts): at most ARGV_EXCERPT_CHARS, never a whole 1 MB argv. */
  argv: string[];
  /** Set when argv is cut; argvBytes is then the whole command line's size, where known. */
  argvTruncated?: true;
  argvBytes?: number;
  /** The executable the plan saw, or read right before the first signal; absent if never read. */
  exe?: string;
  /** outcome changed: the command line (an excerpt, like argv) and executable found instead. */
  nowArgv?: string[];
  nowExe?: string | null;
  rule: string;
  signal: string;
  /** sent | gone | reused | changed | unverified | not-permitted | refused | failed */
  outcome: string;
  detail?: string;
}

export interface AuditLog {
  append(record: AuditRecord | FileAuditRecord): void;
  close(): void;
}

export function openAuditLog(path: string): AuditLog {
  // O_NONBLOCK only so that opening a FIFO planted at the name cannot hang; it is refused below.
  const fd = openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o600);
  try {
    if (!fstatSync(fd).isFile()) throw new Error("not a regular file");
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return {
    // One write(2) per line on an O_APPEND descriptor: lines from overlapping writers never
    // interleave (a regular file takes the whole line in one call unless the disk is full).
    append: (record) => {
      const line = "signal" in record ? bounded(record) : record;
      writeAll(fd, Buffer.from(`${JSON.stringify(line)}\n`, "utf8"));
    },
    close: () => {
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}

/** A record whose argv did not come from a plan's excerpt is cut here: no line carries 1 MB. */
function bounded(record: AuditRecord): AuditRecord {
  const excerpt = argvExcerpt(record.argv, {
    truncated: record.argvTruncated === true,
    bytes: record.argvBytes ?? null,
  });
  return excerpt.argvTruncated ? { ...record, ...excerpt } : record;
}
