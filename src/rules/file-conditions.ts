// A file rule's conditions on one file: the facts of those that hold, the failures (with a spare
// code) of those that do not. In the order a reader wants them: who holds it, whether its
// creator lives, then age, size and owner ("no holder; creator 4123 gone; age 3d ≥ 1d").
import type { FileConditions } from "../config/types.js";
import { formatDuration, formatSize } from "../config/units.js";
import type { HolderIndex, LeftoverFile } from "../scan/leftover-types.js";
import type { ProcessInfo } from "../scan/types.js";
import { holdingOf } from "./file-holding.js";
import type { FileSpareCode } from "./file-plan-types.js";

export interface FileContext {
  holders: HolderIndex;
  lookup: (pid: number) => ProcessInfo | undefined;
  /** Why the process table may lack processes that exist (conditions/table-gaps.ts), or null. */
  tableGaps: string | null;
  nowMs: number;
}

export interface FileVerdict {
  facts: string[];
  failures: { code: FileSpareCode; detail: string }[];
}

/** `creatorPid`: the pid the name carries (`<pid>`), null when its glob has none. */
export function checkFile(
  conditions: FileConditions,
  file: LeftoverFile,
  creatorPid: number | null,
  context: FileContext,
): FileVerdict {
  const verdict: FileVerdict = { facts: [], failures: [] };
  const fail = (code: FileSpareCode, detail: string) => verdict.failures.push({ code, detail });
  if (conditions.noHolder) {
    const holding = holdingOf(file, context.holders, context.lookup);
    if (holding.state === "free") verdict.facts.push("no holder");
    else fail(holding.state === "held" ? "held" : "holders-unknown", holding.detail);
  }
  if (conditions.creatorGone) {
    // The config requires <pid> in every path of such a rule; a missing one cannot say "gone".
    if (creatorPid === null) fail("creator-unknown", "creator unknown: the name carries no pid");
    else {
      const p = context.lookup(creatorPid);
      // Any process with that pid, even a later one that reused it: spared, never a wrong "gone".
      if (p) fail("creator-running", `creator ${creatorPid} running (${p.comm})`);
      else if (context.tableGaps !== null)
        fail(
          "creator-unknown",
          `creator ${creatorPid} not in the process table, which may be incomplete (${context.tableGaps})`,
        );
      else verdict.facts.push(`creator ${creatorPid} gone`);
    }
  }
  if (conditions.olderThanMs !== undefined) {
    // The younger of the two: a file written or chmod'ed (or renamed into place) lately is in use.
    const ageMs = context.nowMs - Math.max(file.mtimeMs, file.ctimeMs);
    const age = `age ${formatDuration(ageMs)}`;
    const limit = formatDuration(conditions.olderThanMs);
    if (ageMs >= conditions.olderThanMs) verdict.facts.push(`${age} ≥ ${limit}`);
    else fail("too-young", `${age} < ${limit}${ageMs < 0 ? " (its time is in the future)" : ""}`);
  }
  if (conditions.sizeOver !== undefined) {
    const size = `size ${formatSize(file.sizeBytes)}`;
    if (file.sizeBytes > conditions.sizeOver.bytes)
      verdict.facts.push(`${size} > ${conditions.sizeOver.text}`);
    else fail("too-small", `${size} ≤ ${conditions.sizeOver.text}`);
  }
  if (conditions.owner !== undefined) {
    const owner = `owner ${file.user ?? file.uid}`;
    // A name is compared only with the name the scan found for the uid: none = no match.
    if (conditions.owner.some((o) => o === file.uid || o === file.user)) verdict.facts.push(owner);
    else fail("owner", `${owner} is not ${conditions.owner.join(", ")}`);
  }
  return verdict;
}
