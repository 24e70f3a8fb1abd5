// `holds`: patterns searched in the targets of the process's open fds (ProcessInfo.openFiles).
// The scan reads them last, and only for processes the cheaper tests leave in
// (rules/open-files-filter.ts): absent means "not read", which explain words as such.
import type { Pattern } from "../../config/pattern.js";
import { printable } from "../../shared/printable.js";
import { type SelectorMatcher, MISMATCH, UNKNOWN } from "./matcher.js";

/** Of a target, in a fact or a miss: a path is at most PATH_MAX, far more than a line shows. */
const SHOWN_CHARS = 200;

export const holds: SelectorMatcher<"holds"> = {
  field: "holds",
  needs: ["openFilesFilter"],
  // "The program, orphaned, but not holding the device" is worth saying in the plan.
  spareCode: "not-holding",
  match(patterns, p) {
    // Absent (not read) or null (unreadable, over the fd limit): no match, protect fails closed.
    if (!p.openFiles) return UNKNOWN;
    // The first held file that matches names the fact; the others (dup'ed fds counted once) are counted.
    const held = new Set<string>();
    for (const target of p.openFiles) if (patterns.some((r) => r.test(target))) held.add(target);
    const [first] = held;
    if (first === undefined) return MISMATCH;
    return `holds ${shown(first)}${held.size > 1 ? ` (+${held.size - 1} more)` : ""}`;
  },
  protectUnknown: (_patterns, p) =>
    p.openFiles === undefined
      ? "open files not read"
      : p.openFiles === null
        ? "open files unreadable"
        : null,
  describeMiss(patterns, why, p) {
    if (p.openFiles === undefined) return "open files not read: it failed an earlier test";
    if (p.openFiles === null)
      return "open files unknown (fd directory unreadable, or more fds than the scan reads)";
    return `holds no open file matching ${patternList(patterns)} (${p.openFiles.length} open fds)`;
  },
};

function shown(target: string): string {
  const text = printable(target);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 1)}…` : text;
}

function patternList(patterns: readonly Pattern[]): string {
  return patterns.map((r) => `/${r.source}/`).join(", ");
}
