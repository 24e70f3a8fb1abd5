// `cleanup port N` as text: who holds the port, whether each holder is stale by the rules and
// why, and what --free did.
import { formatDuration, formatSize } from "../config/units.js";
import type { PortReport } from "./port-report.js";
import type { Listener } from "../scan/types.js";
import { displayCommand } from "../shared/printable.js";

export function renderPort(report: PortReport): string {
  const lines: string[] = [];
  const what = `port ${report.port}/${report.protos.join("+")}`;
  if (report.outcome === "busy") {
    const h = report.lockHolder;
    return `${what}: another run holds the lock${h ? ` (pid ${h.pid} since ${h.since})` : ""}; nothing done\n`;
  }
  const count = report.holders.length;
  if (count === 0 && report.uninspectable.length === 0) {
    lines.push(`${what} is free: nothing listens on it`);
  } else if (count > 0) {
    lines.push(`${what} is held by ${count} process${count === 1 ? "" : "es"}:`);
  } else {
    lines.push(`${what} is held:`);
  }
  for (const h of report.holders) {
    const p = h.process;
    lines.push(`  pid ${p.pid}  ${displayCommand(p)}`);
    lines.push(`    listening on ${h.listeners.map(socket).join(", ")}`);
    lines.push(
      `    user ${p.user ?? "?"}, age ${formatDuration(p.ageMs)}, rss ${formatSize(p.rssBytes)}, ${h.parent.fact}`,
    );
    lines.push(`    ${h.verdict.stale ? "stale" : "not stale"} by the rules:`);
    for (const reason of h.verdict.reasons) lines.push(`      - ${reason}`);
  }
  if (report.uninspectable.length > 0) {
    lines.push(
      `  ${count > 0 ? "and " : ""}${report.uninspectable.map(socket).join(", ")} of a process this run cannot inspect${report.actor.uid === 0 ? "" : " (run as root to see it)"}`,
    );
  }
  switch (report.outcome) {
    case "shown":
      if (count > 0 || report.uninspectable.length > 0) {
        const stale = report.holders.every((h) => h.verdict.stale);
        if (stale && report.uninspectable.length === 0 && report.targets.length > 0) {
          lines.push(`--free would kill ${report.targets.length}:`);
          for (const t of report.targets) lines.push(`  pid ${t.pid}  ${displayCommand(t)}`);
        } else lines.push("--free would refuse: not every holder is stale.");
      }
      break;
    case "already-free":
      break;
    case "refused":
      lines.push("Refused, nothing was killed:");
      for (const reason of report.refusal) lines.push(`  - ${reason}`);
      break;
    case "would-free":
      lines.push(`Dry run: would kill ${report.targets.length}:`);
      for (const t of report.targets) lines.push(`  pid ${t.pid}  ${displayCommand(t)}`);
      break;
    case "freed":
    case "still-held":
      for (const r of report.results) {
        lines.push(
          `  pid ${r.pid}: ${r.outcome}${r.signals.length > 0 ? ` (${r.signals.join(", ")})` : ""}${r.detail ? `: ${r.detail}` : ""}`,
        );
      }
      lines.push(
        report.outcome === "freed"
          ? `${what} is free now.`
          : report.checkProblem
            ? `${report.checkProblem}: whether ${what} is free is not known.`
            : `${what} is still held: ${report.remaining.map(socket).join(", ")}.`,
      );
      if (report.auditLog) lines.push(`Audit log: ${report.auditLog}`);
      break;
  }
  return `${lines.join("\n")}\n`;
}

function socket(l: Listener): string {
  const address = l.address.includes(":") ? `[${l.address}]` : l.address;
  return `${l.proto} ${address}:${l.port}`;
}
