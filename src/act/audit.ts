// Every signal attempt, appended as one JSON line to <state dir>/audit.jsonl before the run goes on.
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";

export interface AuditRecord {
  time: string;
  pid: number;
  startTicks: number;
  /** The command line the plan saw. */
  argv: string[];
  /** The executable the plan saw, or read right before the first signal; absent if never read. */
  exe?: string;
  /** outcome changed: the command line and executable found instead. */
  nowArgv?: string[];
  nowExe?: string | null;
  rule: string;
  signal: string;
  /** sent | gone | reused | changed | unverified | not-permitted | refused | failed */
  outcome: string;
  detail?: string;
}

export interface AuditLog {
  append(record: AuditRecord): void;
  close(): void;
}

export function openAuditLog(path: string): AuditLog {
  const fd = openSync(path, "a", 0o600);
  return {
    // One write(2) per line on an O_APPEND descriptor: lines from overlapping writers never interleave.
    append: (record) => {
      writeSync(fd, `${JSON.stringify(record)}\n`);
    },
    close: () => {
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}
