// The textfile's service series: health probe, instances, PID files by kind, untracked
// instances. Pure: no I/O.
import type { ServiceReport } from "../services/assess.js";
import { add, compare, round, type Textfile } from "./prometheus-format.js";

export function serviceSeries(out: Textfile, services: readonly ServiceReport[]): void {
  const up = out.gauge(
    "cleanup_service_healthy",
    "Health probe: 1 healthy, 0 unhealthy (answered, not as expected), -1 unreachable.",
  );
  const failures = out.gauge(
    "cleanup_service_health_failures",
    "Failed health probes in a row, this run included.",
  );
  const probeSeconds = out.gauge(
    "cleanup_service_health_probe_seconds",
    "How long the health probe took.",
  );
  const instances = out.gauge(
    "cleanup_service_instances",
    "Running instances of the service (matching processes none of whose ancestors match).",
  );
  const files = out.gauge(
    "cleanup_service_pid_files",
    "The service's PID files by kind: ok, stale, reused, invalid, unknown.",
  );
  const untracked = out.gauge(
    "cleanup_service_untracked",
    "Instances no PID file names (only for services with pid_files).",
  );
  for (const s of [...services].sort((a, b) => compare(a.name, b.name))) {
    const labels = { service: s.name };
    instances.add(labels, s.instances.length);
    if (s.health) {
      up.add(labels, s.health.status === "healthy" ? 1 : s.health.status === "unhealthy" ? 0 : -1);
      failures.add(labels, s.health.failures);
      probeSeconds.add(labels, round(s.health.durationMs / 1000, 3));
    }
    const kinds = new Map<string, number>();
    for (const f of s.pidFiles) add(kinds, f.kind, 1);
    if (s.pidFiles.length > 0 || s.untracked.length > 0) {
      for (const kind of ["ok", "stale", "reused", "invalid", "unknown"])
        files.add({ service: s.name, kind }, kinds.get(kind) ?? 0);
      untracked.add(labels, s.untracked.length);
    }
  }
}
