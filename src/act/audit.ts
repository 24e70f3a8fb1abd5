// Every signal attempt, appended as one JSON line to <state dir>/audit.jsonl before the run goes on.
// Opened O_APPEND|O_CREAT|O_NOFOLLOW: a symlink planted at the name is refused (ELOOP), never
// written through, and what is there must be a regular file (not a FIFO that blocks the run).
import { closeSync, constants, fstatSync, fsyncSync, openSync } from "node:fs";
import { writeAll } from "../state/durable.js";

const { O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = constants;

export interface AuditRecord {
  time: string;
  pid: number;
  startTicks: number;
  argv: string[];
  rule: string;
  signal: string;
  /** sent | gone | reused | not-permitted | refused | failed */
  outcome: string;
  detail?: string;
}

export interface AuditLog {
  append(record: AuditRecord): void;
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
      writeAll(fd, Buffer.from(`${JSON.stringify(record)}\n`, "utf8"));
    },
    close: () => {
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}
