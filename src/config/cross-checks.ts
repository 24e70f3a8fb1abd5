// Checks across fields (kill-only keys, a kill rule's selector, unique names). They run on the
// raw document even when the schema found other problems: zod skips an object's refinements
// once that object has an error, and the operator should get every problem in one pass.

import { globProblem } from "../shared/glob.js";
import { fileRuleChecks } from "./files/cross-checks.js";
import { presetProblems, withPresetKeys } from "./presets/expand.js";
import { SELECTOR_KEYS, SELECTOR_SPECS, keysThatSay } from "./selectors/registry.js";
import { parsePercent } from "./units.js";

export interface CrossIssue {
  path: (string | number)[];
  /** "problem; expected X", as the schema's messages. */
  message: string;
}

const KILL_ONLY = ["signal", "grace", "tree", "max_kills"] as const;
/** Selectors that say which program a process is, or whose (a port does not). */
const PROGRAM_KEYS = keysThatSay("what", "whose");
/** What names a service's program: its command line, name or executable. */
const SERVICE_PROGRAM_KEYS = keysThatSay("what");

export function crossChecks(raw: unknown): CrossIssue[] {
  const rules = isRecord(raw) && Array.isArray(raw.rules) ? raw.rules : [];
  const issues: CrossIssue[] = [
    ...thresholdOrder(raw),
    ...uniqueSinkNames(raw),
    ...emptyProtectEntries(raw),
    ...serviceChecks(raw),
    ...fileRuleChecks(raw),
  ];
  const firstIndex = new Map<string, number>();
  rules.forEach((rule: unknown, index) => {
    if (!isRecord(rule)) return;
    if (typeof rule.name === "string") {
      const first = firstIndex.get(rule.name);
      if (first === undefined) firstIndex.set(rule.name, index);
      else {
        issues.push({
          path: ["rules", index, "name"],
          message: `duplicate rule name (first used by rules[${first}]); expected a unique name`,
        });
      }
    }
    const action = rule.action;
    // What the schema cannot see in a rule's selector values (a comm the kernel would cut).
    if (isRecord(rule.match)) {
      const match = rule.match;
      for (const spec of SELECTOR_SPECS) {
        if (!spec.ruleProblems || match[spec.key] === undefined) continue;
        for (const message of spec.ruleProblems(match[spec.key]))
          issues.push({ path: ["rules", index, "match", spec.key], message });
      }
    }
    // A preset without an argv of its own and no cmdline, or one the rule contradicts.
    if (isRecord(rule.match)) {
      for (const { key, message } of presetProblems(rule.match, action))
        issues.push({ path: ["rules", index, "match", key], message });
    }
    // `when` on a resource without a threshold would silently never apply.
    if (isRecord(rule.when)) {
      for (const resource of Object.keys(rule.when)) {
        if (!thresholdConfigured(raw, resource)) {
          issues.push({
            path: ["rules", index, "when", resource],
            message: `no ${resource} threshold is set, so this rule would never apply; expected thresholds.${resource} with warn and critical`,
          });
        }
      }
    }
    // Only for a valid other action: with a typo ("kil") the action error says enough.
    if (action === "alert" || action === "report") {
      for (const key of KILL_ONLY) {
        if (key in rule) {
          issues.push({
            path: ["rules", index, key],
            message: `only used by kill rules; expected no '${key}' with action ${action}`,
          });
        }
      }
    }
    // A kill rule must say *what* it kills: conditions alone ("orphaned and older than 1d")
    // would also hit PID 1's service children on a systemd host. And a selector that matches
    // everything ('', '.*') says nothing either. A preset's selectors count as the rule's.
    if (action === "kill" && isRecord(rule.match)) {
      const match = withPresetKeys(rule.match);
      if (!SELECTOR_KEYS.some((key) => key in match)) {
        issues.push({
          path: ["rules", index, "match"],
          message: `a kill rule needs a selector; expected at least one of ${SELECTOR_KEYS.join(", ")}`,
        });
      } else if (!PROGRAM_KEYS.some((key) => key in match)) {
        // "Kill whatever holds port 9091" is the hard shutdown that took healthy services down;
        // "kill whatever holds /dev/nvidia0" would take the trainer with its leftover workers.
        // Only "where" and "holds" selectors are given: the path names the first.
        const given = SELECTOR_SPECS.filter((s) => s.key in match);
        const instead = given.flatMap((s) => (s.saysInstead ? [s.saysInstead] : []));
        issues.push({
          path: ["rules", index, "match", given[0]?.key ?? "match"],
          message: `${instead.join(" and ")}, not which program it is, so a kill rule needs more; expected also one of ${PROGRAM_KEYS.join(", ")}`,
        });
      }
      for (const key of selectingEverything(match)) {
        issues.push({
          path: ["rules", index, "match", key],
          message: `matches every ${key}, so it selects nothing in particular; expected a pattern only the processes to kill carry`,
        });
      }
    }
  });
  return issues;
}

/** warn must not be above critical (both as written: "85%" or a load number). */
function thresholdOrder(raw: unknown): CrossIssue[] {
  const thresholds = isRecord(raw) && isRecord(raw.thresholds) ? raw.thresholds : {};
  const issues: CrossIssue[] = [];
  for (const [name, levels] of Object.entries(thresholds)) {
    if (!isRecord(levels)) continue;
    const warn = number(levels.warn);
    const critical = number(levels.critical);
    if (warn !== null && critical !== null && warn > critical) {
      issues.push({
        path: ["thresholds", name, "warn"],
        message: `warn is above critical (${String(levels.critical)}); expected warn ≤ critical`,
      });
    }
  }
  return issues;
}

function uniqueSinkNames(raw: unknown): CrossIssue[] {
  const alerts = isRecord(raw) && isRecord(raw.alerts) ? raw.alerts : {};
  const sinks = Array.isArray(alerts.sinks) ? alerts.sinks : [];
  const first = new Map<string, number>();
  const issues: CrossIssue[] = [];
  sinks.forEach((sink: unknown, index) => {
    if (!isRecord(sink) || typeof sink.name !== "string") return;
    const earlier = first.get(sink.name);
    if (earlier === undefined) first.set(sink.name, index);
    else {
      issues.push({
        path: ["alerts", "sinks", index, "name"],
        message: `duplicate sink name (first used by alerts.sinks[${earlier}]); expected a unique name`,
      });
    }
  });
  return issues;
}

function number(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return null;
  const parsed = parsePercent(value);
  return parsed.ok ? parsed.value : null;
}

/** memory, cpu and disk have default thresholds; swap and load only when set; false turns one off. */
function thresholdConfigured(raw: unknown, resource: string): boolean {
  const thresholds = isRecord(raw) && isRecord(raw.thresholds) ? raw.thresholds : {};
  const value = thresholds[resource];
  if (value === false) return false;
  return value !== undefined || ["memory", "cpu", "disk"].includes(resource);
}

/** The selectors of a match whose value selects every process ('', '.*'). */
function selectingEverything(match: Record<string, unknown>): string[] {
  return SELECTOR_SPECS.filter((s) => s.selectsEverything?.(match[s.key]) === true).map(
    (s) => s.key,
  );
}

/** An empty protect entry would protect everything without saying so. */
function emptyProtectEntries(raw: unknown): CrossIssue[] {
  const protect = isRecord(raw) && Array.isArray(raw.protect) ? raw.protect : [];
  return protect.flatMap((entry: unknown, index) =>
    isRecord(entry) && Object.keys(entry).length === 0
      ? [
          {
            path: ["protect", index],
            // Names the selectors that say which program (a port alone is unusual in protect).
            message: `empty: it would protect every process; expected at least one of ${PROGRAM_KEYS.join(", ")}`,
          },
        ]
      : [],
  );
}

/** Unique names; a match that selects something in particular; kill_after only for a local URL. */
function serviceChecks(raw: unknown): CrossIssue[] {
  const services = isRecord(raw) && Array.isArray(raw.services) ? raw.services : [];
  const issues: CrossIssue[] = [];
  const first = new Map<string, number>();
  services.forEach((service: unknown, index) => {
    if (!isRecord(service)) return;
    if (typeof service.name === "string") {
      const earlier = first.get(service.name);
      if (earlier === undefined) first.set(service.name, index);
      else
        issues.push({
          path: ["services", index, "name"],
          message: `duplicate service name (first used by services[${earlier}]); expected a unique name`,
        });
    }
    const match = service.match;
    if (isRecord(match)) {
      // user or parent alone would make a user manager or a supervisor an "instance".
      if (!SERVICE_PROGRAM_KEYS.some((key) => key in match)) {
        issues.push({
          path: ["services", index, "match"],
          message: `a service needs to say which program it is; expected at least one of ${SERVICE_PROGRAM_KEYS.join(", ")}`,
        });
      }
      for (const key of selectingEverything(match)) {
        issues.push({
          path: ["services", index, "match", key],
          message: `matches every ${key}, so it selects nothing in particular; expected a pattern only this service's processes carry`,
        });
      }
    }
    const pidFiles = service.pid_files;
    const patterns: [string, (string | number)[]][] =
      typeof pidFiles === "string"
        ? [[pidFiles, ["services", index, "pid_files"]]]
        : Array.isArray(pidFiles)
          ? pidFiles.flatMap((p: unknown, j) =>
              typeof p === "string" ? [[p, ["services", index, "pid_files", j]]] : [],
            )
          : [];
    for (const [pattern, path] of patterns) {
      const problem = globProblem(pattern);
      if (problem !== null) issues.push({ path, message: problem });
    }
    const health = service.health;
    if (isRecord(health) && isRecord(health.expect_json)) {
      for (const key of Object.keys(health.expect_json)) {
        if (!/^[^.]+(\.[^.]+)*$/.test(key)) {
          issues.push({
            path: ["services", index, "health", "expect_json", key],
            message: `invalid path '${key}'; expected a dotted JSON path such as status or checks.db`,
          });
        }
      }
    }
    if (isRecord(health) && health.kill_after !== undefined && typeof health.url === "string") {
      if (!isLocalUrl(health.url)) {
        issues.push({
          path: ["services", index, "health", "url"],
          message: `with kill_after the URL must be on this machine (no local process holds a remote port); expected a URL on localhost, 127.0.0.1 or [::1]`,
        });
      }
    }
  });
  return issues;
}

/** Loopback only: the holder of the URL's port is then a process of this host. */
export function isLocalUrl(text: string): boolean {
  try {
    const host = new URL(text).hostname;
    return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
