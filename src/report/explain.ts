// `cleanup explain PID…`: the report (printed as is by --json) and its text form: for each
// process, every rule's verdict with the facts that decided it, every protect entry's, its
// services and its ports.
import type { Resource } from "../config/types.js";
import { formatDuration, formatSize } from "../config/units.js";
import type { Level } from "../host/thresholds.js";
import type { Explanation, RuleVerdict } from "../rules/explain.js";
import { FIELD_KEYS } from "../rules/explain-words.js";
import type { Actor } from "../rules/plan-types.js";
import type { Listener } from "../scan/types.js";
import type { Membership } from "../services/membership.js";
import { displayCommand, printable } from "../shared/printable.js";

export type ExplainedProcess =
  { pid: number; found: false } | (Explanation & { found: true; services: Membership[] });

/** explained: every asked pid was found; missing: at least one is no such process. */
export type ExplainOutcome = "explained" | "missing";

export interface ExplainReport {
  outcome: ExplainOutcome;
  configFile: string;
  actor: Actor;
  /** When the process table was read (ISO 8601). */
  scannedAt: string;
  /**
   * The resource levels the rules' `when` was judged on (as a run judges it); null when no rule
   * has `when` and the host was not read.
   */
  levels: Partial<Record<Resource, Level>> | null;
  processes: ExplainedProcess[];
}

export function renderExplain(report: ExplainReport): string {
  const head = `rules ${printable(report.configFile)}, as uid ${report.actor.uid}${report.actor.mayKillAnyUser ? " (may signal any user)" : ""}, process table read ${report.scannedAt}`;
  const levels = report.levels
    ? `; host: ${Object.entries(report.levels)
        .map(([r, l]) => `${r} ${l}`)
        .join(", ")}`
    : "";
  const blocks = report.processes.map((p) =>
    p.found ? processBlock(p) : [`pid ${p.pid}: no such process`],
  );
  return [
    `${head}${levels}`,
    "nothing was signalled: explain only reads",
    "",
    ...blocks.flatMap((b) => [...b, ""]),
  ].join("\n");
}

function processBlock(e: Explanation & { services: Membership[] }): string[] {
  const p = e.process;
  const lines = [`pid ${e.pid}  ${displayCommand(p)}`];
  lines.push(
    `  user ${printable(p.user ?? "?")}, state ${p.state}, age ${formatDuration(p.ageMs)}, rss ${formatSize(p.rssBytes)}${p.exe ? `, exe ${printable(p.exe)}` : ""}`,
  );
  lines.push(`  parent: ${printable(e.parent.fact)}`);
  lines.push(`  group ${e.group.leader}: ${printable(e.group.fact)}`);
  lines.push(`  session ${e.session.leader}: ${printable(e.session.fact)}`);
  lines.push(
    `  listening: ${e.listening === null ? "unknown (its sockets could not be read)" : e.listening.length === 0 ? "none" : e.listening.map(socket).join(", ")}`,
  );
  lines.push(
    `  services: ${e.services.length === 0 ? "none" : e.services.map(membership).join("; ")}`,
  );
  if (e.unevaluated) lines.push(`  ${e.unevaluated}`);
  const { protection } = e;
  lines.push(
    `  protected: ${protection.reason ? `yes — ${printable(protection.reason)}` : "no"}${protection.builtIn && protection.builtIn !== protection.reason ? ` (also: ${protection.builtIn})` : ""}`,
  );
  for (const entry of protection.entries) {
    const mark = entry.outcome === "no-match" ? "✗" : entry.outcome === "matches" ? "✓" : "?";
    lines.push(`    ${mark} protect[${entry.index}] ${entry.outcome}: ${printable(entry.detail)}`);
  }
  lines.push(e.rules.length === 0 ? "  rules: none in the file" : "  rules:");
  for (const verdict of e.rules) lines.push(...ruleLines(verdict));
  return lines;
}

const ACTS: Record<RuleVerdict["action"], string> = {
  kill: "WOULD KILL",
  alert: "WOULD ALERT",
  report: "WOULD REPORT",
};

function headline(v: RuleVerdict): string {
  switch (v.outcome) {
    case "acts":
      return `${ACTS[v.action]}${v.treeOf !== undefined ? ` (in the tree of ${v.treeOf})` : ""}`;
    case "spared":
      return `spared (${v.code ?? "?"})`;
    case "not-matched":
      return "not matched";
    case "inactive":
      return "inactive (when)";
    case "taken":
      return "already taken by another rule";
  }
}

function ruleLines(v: RuleVerdict): string[] {
  const lines = [
    `    ${printable(v.rule)} (${v.action}): ${headline(v)} — ${v.reasons.map(printable).join("; ")}`,
  ];
  for (const f of v.selector)
    lines.push(`      ${f.matched ? "✓" : "✗"} ${FIELD_KEYS[f.field]}: ${printable(f.detail)}`);
  for (const c of v.conditions)
    lines.push(`      ${c.held ? "✓" : "✗"} ${c.condition}: ${printable(c.detail)}`);
  return lines;
}

function membership(m: Membership): string {
  const role =
    m.role === "instance"
      ? "an instance"
      : m.role === "member"
        ? `inside instance ${m.instance}`
        : "named by a PID file only";
  const files = m.pidFiles.length > 0 ? `, PID file ${m.pidFiles.map(printable).join(", ")}` : "";
  return `${printable(m.service)} (${role}${files})`;
}

function socket(l: Listener): string {
  const address = l.address.includes(":") ? `[${l.address}]` : l.address;
  return `${l.proto} ${address}:${l.port}`;
}
