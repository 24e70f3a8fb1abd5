// Carries out an install plan (install.ts). Each file is written whole to a temp file in the same
// directory, fsynced, given its mode, and then moved into place, so cron, systemd or an editor
// never sees half a file. rules.yaml is linked into place instead of renamed: link(2) fails if
// the file appeared since the plan was made, so the operator's file is never replaced.
import { linkSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { syncDirectory, writeTempFile } from "../state/durable.js";
import type { InstallAction } from "./install.js";

export type InstallStatus =
  /** Written or created. */
  | "done"
  /** --dry-run: would be done. */
  | "planned"
  /** A skip action, or rules.yaml that appeared after the plan was made. */
  | "skipped"
  | "failed"
  /** After a failure: not tried. */
  | "not-attempted";

export interface InstallResult {
  action: InstallAction;
  status: InstallStatus;
  /** Why it failed, or why a planned write was skipped after all. */
  detail?: string;
}

/** Stops at the first failure: what follows may need what failed (a directory). */
export function applyInstall(
  actions: InstallAction[],
  options: { dryRun: boolean },
): InstallResult[] {
  const results: InstallResult[] = [];
  let failed = false;
  for (const action of actions) {
    if (failed) {
      results.push({ action, status: "not-attempted" });
    } else if (action.kind === "skip") {
      results.push({ action, status: "skipped" });
    } else if (options.dryRun) {
      results.push({ action, status: "planned" });
    } else {
      try {
        results.push(apply(action));
      } catch (error) {
        failed = true;
        results.push({ action, status: "failed", detail: (error as Error).message });
      }
    }
  }
  return results;
}

function apply(action: Exclude<InstallAction, { kind: "skip" }>): InstallResult {
  if (action.kind === "mkdir") {
    mkdirSync(action.path, { recursive: true, mode: action.mode });
    return { action, status: "done" };
  }
  const dir = dirname(action.path);
  // Created exclusively under a random dotted name that cron and systemd skip, given its mode
  // on the descriptor (see writeTempFile).
  const temp = writeTempFile(action.path, action.content, action.mode);
  try {
    if (action.overwrite) {
      renameSync(temp, action.path);
    } else {
      try {
        linkSync(temp, action.path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        return { action, status: "skipped", detail: "exists: kept (created while installing)" };
      }
    }
  } finally {
    rmSync(temp, { force: true });
  }
  syncDirectory(dir);
  return { action, status: "done" };
}
