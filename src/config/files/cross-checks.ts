// The checks across a file rule's keys, on the raw document (like ../cross-checks.ts, so every
// problem is reported in one pass): unique names, what `remove` needs to be safe, `<pid>` for
// creator_gone, and remove-only keys.
import type { CrossIssue } from "../cross-checks.js";
import { parsePathGlob } from "./path-glob.js";

const REMOVE_ONLY = ["max_files", "max_bytes"] as const;

export function fileRuleChecks(raw: unknown): CrossIssue[] {
  const rules = isRecord(raw) && Array.isArray(raw.files) ? raw.files : [];
  const issues: CrossIssue[] = [];
  const first = new Map<string, number>();
  rules.forEach((rule: unknown, index) => {
    if (!isRecord(rule)) return;
    const at = (...path: (string | number)[]) => ["files", index, ...path];
    if (typeof rule.name === "string") {
      const earlier = first.get(rule.name);
      if (earlier === undefined) first.set(rule.name, index);
      else
        issues.push({
          path: at("name"),
          message: `duplicate file rule name (first used by files[${earlier}]); expected a unique name`,
        });
    }
    const globs = Array.isArray(rule.paths)
      ? rule.paths.flatMap((p: unknown) => {
          const parsed = typeof p === "string" ? parsePathGlob(p) : null;
          return parsed?.ok ? [parsed.glob] : [];
        })
      : [];
    if (rule.creator_gone === true) {
      const without = globs.find((g) => !g.hasPid);
      if (without)
        issues.push({
          path: at("creator_gone"),
          message: `needs the creator's pid in every path, but ${without.text} has no <pid>; expected <pid> in each path (e.g. /dev/shm/torch_<pid>_*), or no creator_gone`,
        });
    }
    const action = rule.action ?? "report";
    if (action === "remove") {
      if (rule.no_holder !== true)
        issues.push({
          path: at("action"),
          message:
            "remove needs no_holder: a file a process holds open or mapped is in use, and unlinking it frees nothing while it is held; expected no_holder: true with action remove",
        });
      if (rule.older_than === undefined)
        issues.push({
          path: at("action"),
          message:
            "remove needs older_than: a semaphore or segment no process holds right now may still be opened by name later (sem_open, shm_open) by the pool that made it, so only files past an age floor are removed; expected older_than (e.g. 1d) with action remove",
        });
      // The same reason a kill rule may not select every process: a name glob of wildcards only.
      for (const g of globs.filter((g) => g.literalChars === 0))
        issues.push({
          path: at("paths", (rule.paths as unknown[]).indexOf(g.text)),
          message: `matches every name in ${g.dir}, so it says nothing about what the leftovers are; expected a name with literal characters, e.g. ${g.dir}/psm_*`,
        });
    } else if (action === "report" || action === "alert") {
      for (const key of REMOVE_ONLY)
        if (key in rule)
          issues.push({
            path: at(key),
            message: `only used by remove rules; expected no '${key}' with action ${action}`,
          });
    }
  });
  return issues;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
