// `cleanup status`: how the host is, what a run would do, and what the last run did.
import { formatDuration, formatSize } from "../config/units.js";
import { limitsText, type Level, type ThresholdResult } from "../host/thresholds.js";
import type { TopProcess } from "../host/top.js";
import type { HostMetrics, PressureMetrics } from "../host/types.js";
import type { RunReport } from "./run-report.js";
import { formatValue, processLine, thresholdLabel } from "./text.js";
import { displayCommand, printable } from "../shared/printable.js";
import { GPU_ORPHANS_LIMIT, type GpuHolders } from "../host/gpu-holders.js";
import { serviceLines } from "./services.js";
import type { LeftInStoppedUnits } from "../rules/left-in-units.js";
import type { ShmUsage } from "../host/shm-usage.js";

const COLORS: Record<Level, string> = { ok: "32", warn: "33", critical: "31", unknown: "35" };
const MAX_LISTED = 20;

export function renderStatus(report: RunReport, color: boolean): string {
  const paint = (level: Level, text: string): string =>
    color ? `\u001b[${COLORS[level]}m${text}\u001b[0m` : text;
  const lines: string[] = [];
  lines.push(
    `cleanup status at ${report.scan?.takenAt ?? new Date().toISOString()}; config ${report.configFile}`,
  );
  for (const problem of report.stateProblems) lines.push(`warning: ${problem}`);

  const host = report.host;
  if (host) {
    lines.push("", "HOST");
    for (const t of report.thresholds ?? []) {
      lines.push(
        `  ${label(t).padEnd(20)} ${formatValue(t).padStart(8)}  ${paint(t.level, t.level.toUpperCase().padEnd(8))} ${limitsText(t)}${detail(t, host)}`,
      );
    }
    lines.push(...untracked(host));
  }

  const plan = report.plan;
  if (plan) {
    const kills = plan.entries.filter((e) => e.action === "kill");
    lines.push(
      "",
      `ORPHANS AND RULES: a run now would kill ${kills.length}, spare ${plan.spared.length}, alert ${plan.entries.filter((e) => e.action === "alert").length + plan.refusals.length}`,
    );
    for (const e of kills.slice(0, MAX_LISTED))
      lines.push(processLine(e.process, e.rule), `        would kill: ${e.facts.join("; ")}`);
    for (const s of plan.spared.slice(0, MAX_LISTED))
      lines.push(processLine(s.process, s.rule), `        spared: ${s.reasons.join("; ")}`);
    for (const r of plan.refusals) lines.push(`  ${r.message}`);
    for (const i of plan.inactive) lines.push(`  rule ${i.rule} inactive: ${i.reason}`);
    const more =
      Math.max(0, kills.length - MAX_LISTED) + Math.max(0, plan.spared.length - MAX_LISTED);
    if (more > 0) lines.push(`  … ${more} more: cleanup --dry-run lists all`);
  }

  if (report.gpuHolders) lines.push(...gpuLines(report.gpuHolders));
  if (report.leftInStoppedUnits) lines.push(...leftInUnitsLines(report.leftInStoppedUnits));
  if (report.shm) lines.push(...shmLines(report.shm));

  lines.push(...serviceLines(report.services ?? [], paint));

  if (report.top && report.top.length > 0) {
    lines.push(
      "",
      "LARGEST PROCESSES by PSS (RSS where PSS is unreadable; PSS splits shared pages among their sharers)",
    );
    lines.push(
      `  ${"PID".padStart(7)}  ${"RSS".padStart(8)}  ${"PSS".padStart(8)}  ${"CPU".padStart(6)}  ${"AGE".padStart(6)}  USER      COMMAND`,
    );
    for (const p of report.top) lines.push(topLine(p));
  }

  lines.push("", "LAST RUN");
  const last = report.lastRun;
  if (!last) lines.push(`  none recorded in ${report.stateDir}`);
  else {
    const level: Level = last.outcome === "ok" ? "ok" : "warn";
    lines.push(
      `  ${last.finishedAt}: ${paint(level, last.outcome)}; killed ${last.killed}, failed ${last.failed}, budget refusals ${last.refusals}, alerts ${last.alerts}; took ${last.durationMs} ms`,
    );
    if (last.deadline) lines.push(`  ${last.deadline}`);
    for (const t of last.thresholds) lines.push(`  ${t}`);
  }
  return `${lines.join("\n")}\n`;
}

function label(t: ThresholdResult): string {
  return t.key === "load" ? "load per core" : thresholdLabel(t.key);
}

function detail(t: ThresholdResult, host: HostMetrics): string {
  if (t.key === "memory" && host.memory)
    return `; ${formatSize(host.memory.availableBytes)} available of ${formatSize(host.memory.totalBytes)}`;
  if (t.key === "swap" && host.swap)
    return `; ${formatSize(host.swap.totalBytes - host.swap.freeBytes)} of ${formatSize(host.swap.totalBytes)}`;
  if (t.key === "cpu" && host.cpu) {
    const over =
      host.cpu.source === "sample"
        ? `a ${Math.round(host.cpu.intervalMs)} ms sample`
        : `the ${formatDuration(host.cpu.intervalMs)} since the previous run`;
    return `; iowait ${host.cpu.iowaitPercent.toFixed(1)}%, steal ${host.cpu.stealPercent.toFixed(1)}%, over ${over}`;
  }
  if (t.key === "load" && host.load)
    return `; ${host.load.load1} / ${host.load.cores} cores (5 min ${host.load.load5}, 15 min ${host.load.load15})`;
  if (t.key.startsWith("disk")) {
    const disk = host.disks.find(
      (d) => `disk:${d.mount}` === t.key || `disk-inodes:${d.mount}` === t.key,
    );
    if (disk?.status === "unknown") return `; ${disk.error}`;
    if (disk && t.key.startsWith("disk:"))
      return `; ${formatSize(disk.availableBytes ?? 0)} free of ${formatSize(disk.totalBytes ?? 0)}`;
  }
  return "";
}

/** Measured but without a threshold: shown, not judged. */
function untracked(host: HostMetrics): string[] {
  const lines: string[] = [];
  const pressure = (name: string, p: PressureMetrics | null): string | null =>
    p
      ? `${name} some ${p.some.avg10.toFixed(2)}%${p.full ? ` full ${p.full.avg10.toFixed(2)}%` : ""}`
      : null;
  const psi = [
    pressure("cpu", host.pressure.cpu),
    pressure("memory", host.pressure.memory),
    pressure("io", host.pressure.io),
  ].filter(Boolean);
  lines.push(
    `  ${"pressure (avg10)".padEnd(20)} ${psi.length > 0 ? psi.join("; ") : "not available (kernel without PSI)"}`,
  );
  if (host.load)
    lines.push(
      `  ${"load".padEnd(20)} ${host.load.load1} ${host.load.load5} ${host.load.load15} on ${host.load.cores} cores`,
    );
  return lines;
}

/** The orphans holding a GPU device, each with the devices on a line of its own. */
function gpuLines(gpu: GpuHolders): string[] {
  const orphans = (n: number): string => `${n} orphan${n === 1 ? "" : "s"}`;
  const notes = [`${orphans(gpu.checked)} checked`];
  if (gpu.unreadable > 0) notes.push(`${orphans(gpu.unreadable)} with unreadable fds`);
  if (gpu.skipped > 0)
    notes.push(`${orphans(gpu.skipped)} not checked (only the ${GPU_ORPHANS_LIMIT} largest are)`);
  const lines = ["", `ORPHANS HOLDING GPU DEVICES (${notes.join("; ")})`];
  if (gpu.holders.length === 0) return [...lines, "  none"];
  lines.push(
    `  ${"PID".padStart(7)}  ${"RSS".padStart(8)}  ${"AGE".padStart(6)}  USER      COMMAND`,
  );
  for (const h of gpu.holders.slice(0, MAX_LISTED)) {
    lines.push(
      `  ${String(h.pid).padStart(7)}  ${formatSize(h.rssBytes).padStart(8)}  ${formatDuration(h.ageMs).padStart(6)}  ${(h.user ?? "?").padEnd(8)}  ${displayCommand(h, 80)}`,
      `           holds ${h.devices.map(printable).join(", ")} (parent ${h.ppid})`,
    );
  }
  if (gpu.holders.length > MAX_LISTED)
    lines.push(`  … ${gpu.holders.length - MAX_LISTED} more: cleanup status --json lists all`);
  return lines;
}

/** The processes left in stopped units, each with its unit and the unit's state. */
function leftInUnitsLines(left: LeftInStoppedUnits): string[] {
  const count = (n: number, one: string, many = `${one}s`): string =>
    `${n} ${n === 1 ? one : many}`;
  const notes = [
    left.unitsChecked > 0
      ? `${count(left.unitsChecked, "unit")} with processes checked`
      : "no process sits in a system unit",
  ];
  if (left.unknown > 0)
    notes.push(
      `${count(left.unknown, "process", "processes")} in units of unknown state${left.problem ? `: ${left.problem}` : ""}`,
    );
  if (left.inUserUnits > 0)
    notes.push(
      `${count(left.inUserUnits, "process", "processes")} in user managers' units, not asked`,
    );
  const lines = ["", `LEFT IN STOPPED UNITS (${notes.join("; ")})`];
  if (left.processes.length === 0) return [...lines, "  none"];
  lines.push(
    `  ${"PID".padStart(7)}  ${"RSS".padStart(8)}  ${"AGE".padStart(6)}  USER      COMMAND`,
  );
  for (const p of left.processes.slice(0, MAX_LISTED)) {
    lines.push(
      `  ${String(p.pid).padStart(7)}  ${formatSize(p.rssBytes).padStart(8)}  ${formatDuration(p.ageMs).padStart(6)}  ${(p.user ?? "?").padEnd(8)}  ${displayCommand(p, 80)}`,
      `           in ${printable(p.unit?.name ?? "?")}, ${printable(p.unit?.state ?? "?")} (parent ${p.ppid})`,
    );
  }
  if (left.processes.length > MAX_LISTED)
    lines.push(`  … ${left.processes.length - MAX_LISTED} more: cleanup status --json lists all`);
  return lines;
}

/** /dev/shm: how full, and its largest files with their holders or "no holder". */
function shmLines(shm: ShmUsage): string[] {
  const d = shm.disk;
  const usage =
    d.status === "ok" && d.totalBytes !== undefined && d.availableBytes !== undefined
      ? `${formatSize(d.totalBytes - d.availableBytes)} used of ${formatSize(d.totalBytes)} (${(d.usedPercent ?? 0).toFixed(1)}%)`
      : `usage unknown${d.error ? ` (${d.error})` : ""}`;
  const listed = shm.problem
    ? `not listed: ${shm.problem}`
    : `${shm.entries} entr${shm.entries === 1 ? "y" : "ies"}, ${formatSize(shm.totalBytes)} in files${shm.truncated ? " (listing cut short)" : ""}`;
  const lines = ["", `SHARED MEMORY ${printable(shm.dir)}: ${usage}; ${listed}`];
  if (shm.largest.length === 0) return shm.problem ? lines : [...lines, "  no files"];
  lines.push(`  ${"SIZE".padStart(8)}  ${"AGE".padStart(6)}  USER      PATH`);
  for (const f of shm.largest) {
    lines.push(
      `  ${formatSize(f.sizeBytes).padStart(8)}  ${formatDuration(f.ageMs).padStart(6)}  ${printable(f.user).padEnd(8)}  ${printable(f.path)}${f.kind === "file" ? "" : ` (${f.kind})`}`,
    );
    if (f.holders.length === 0) lines.push("           no holder");
    for (const h of f.holders.slice(0, 5))
      lines.push(
        `           held by ${h.pid} (${h.how}, ${h.user ?? "?"}) ${displayCommand(h, 80)}`,
      );
    if (f.holders.length > 5)
      lines.push(`           … and ${f.holders.length - 5} more: cleanup status --json lists all`);
  }
  const unknown = shm.holdersUnknown;
  if (unknown.length > 0) {
    const first = unknown
      .slice(0, 3)
      .map((u) => `pid ${u.pid}: ${printable(u.reason)}`)
      .join("; ");
    lines.push(
      `  ${unknown.length} process${unknown.length === 1 ? "" : "es"} whose holdings could not be read (${first}${unknown.length > 3 ? "; …" : ""}): a file with no holder shown may still be held`,
    );
  }
  return lines;
}

function topLine(p: TopProcess): string {
  const shown = displayCommand(p, 80);
  const cpu = p.cpuPercent === null ? "—" : `${p.cpuPercent.toFixed(1)}%`;
  return `  ${String(p.pid).padStart(7)}  ${formatSize(p.rssBytes).padStart(8)}  ${(p.pssBytes === null ? "—" : formatSize(p.pssBytes)).padStart(8)}  ${cpu.padStart(6)}  ${formatDuration(p.ageMs).padStart(6)}  ${(p.user ?? "?").padEnd(8)}  ${shown}`;
}
