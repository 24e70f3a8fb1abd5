// The SERVICES section of a run's report and of `cleanup status`: health, PID files and
// instances of each tracked service.
import { formatDuration } from "../config/units.js";
import type { ServiceReport } from "../services/assess.js";
import { displayCommand, displayUrl, printable } from "../shared/printable.js";

export type Paint = (level: "ok" | "warn" | "critical" | "unknown", text: string) => string;

export function serviceLines(
  reports: readonly ServiceReport[],
  paint: Paint = (_l, t) => t,
): string[] {
  if (reports.length === 0) return [];
  const lines = ["", `SERVICES (${reports.length})`];
  for (const s of reports) {
    const pids = s.instances.map((p) => p.pid).join(", ");
    lines.push(
      `  ${s.name}: ${s.instances.length} instance${s.instances.length === 1 ? "" : "s"}${pids ? ` (pid ${pids})` : ""}`,
    );
    const h = s.health;
    if (h) {
      const level = h.status === "healthy" ? "ok" : s.severity === "critical" ? "critical" : "warn";
      const values = h.values
        .filter((v) => v.value !== null)
        .map((v) => `${v.label} ${v.value}`)
        .join(", ");
      lines.push(
        `    health ${paint(level, h.status.toUpperCase())}: ${h.reason} (GET ${printable(displayUrl(h.url))}, ${Math.round(h.durationMs)} ms)${values ? `; ${values}` : ""}`,
      );
      if (h.status !== "healthy") {
        if (h.body) lines.push(`      body: ${h.body}`);
        lines.push(
          `      failed ${h.failures} run${h.failures === 1 ? "" : "s"} in a row${h.killAfter !== undefined ? `; kill_after ${h.killAfter}` : ""}`,
        );
      }
      for (const holder of h.holders ?? []) {
        lines.push(
          `      pid ${holder.pid} on the port (${displayCommand(holder.command)}): ${holder.stale ? "stale" : "not stale"}: ${holder.reasons.join("; ")}`,
        );
      }
      if (h.killNote) lines.push(`      ${h.killNote}`);
    }
    for (const f of s.pidFiles) {
      const removal = f.removal
        ? `; ${f.removal.outcome}${f.removal.detail ? ` (${f.removal.detail})` : ""}`
        : "";
      lines.push(`    pid file ${printable(f.path)}: ${f.kind}: ${f.detail}${removal}`);
    }
    for (const p of s.untracked) {
      lines.push(
        `    no PID file names pid ${p.pid} (age ${formatDuration(p.ageMs)}): ${displayCommand(p)}`,
      );
    }
  }
  return lines;
}
