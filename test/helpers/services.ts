// Plain-data builders for the services, stale-holder and port tests.
import { ConfigError, type ConfigProblem } from "../../src/config/errors.js";
import { parseConfig } from "../../src/config/load.js";
import type { PortReport } from "../../src/report/port-report.js";
import type { Listener } from "../../src/scan/types.js";
import type { HealthReport, ServiceReport } from "../../src/services/assess.js";
import type { HealthResult } from "../../src/services/health.js";
import type { PidFileRead } from "../../src/scan/pid-files.js";

export const HEALTH_URL = "http://127.0.0.1:9091/health";

/** A probe's result, unhealthy by default. */
export function healthResult(fields: Partial<HealthResult> = {}): HealthResult {
  return {
    url: HEALTH_URL,
    status: "unhealthy",
    httpStatus: 200,
    reason: 'status is "unhealthy" (expected "healthy")',
    body: '{"status":"unhealthy"}',
    values: [],
    durationMs: 12,
    ...fields,
  };
}

/** A health report as assessServices makes it (failures and kill_after added). */
export function healthReport(fields: Partial<HealthReport> = {}): HealthReport {
  return { ...healthResult(), failures: 1, ...fields };
}

/** A PID file read that found a pid. */
export function pidRead(path: string, pid: number, mtimeMs: number | null): PidFileRead {
  const content = `${pid}\n`;
  return { path, pid, problem: null, mtimeMs, dev: 1, ino: 1, size: content.length, content };
}

/** A PID file read that found no pid. */
export function badPidRead(path: string, problem: string, content: string | null): PidFileRead {
  return { path, pid: null, problem, mtimeMs: null, dev: 1, ino: 2, size: 0, content };
}

export function serviceReport(fields: Partial<ServiceReport> & { name: string }): ServiceReport {
  return { severity: "warning", instances: [], pidFiles: [], untracked: [], ...fields };
}

export function tcp(port: number, address = "127.0.0.1", inode = 1): Listener {
  return { proto: address.includes(":") ? "tcp6" : "tcp", address, port, inode };
}

export function portReport(fields: Partial<PortReport> = {}): PortReport {
  return {
    port: 9091,
    protos: ["tcp"],
    configFile: "/etc/cleanup/rules.yaml",
    actor: { uid: 0, mayKillAnyUser: true },
    outcome: "shown",
    dryRun: true,
    holders: [],
    uninspectable: [],
    refusal: [],
    targets: [],
    results: [],
    remaining: [],
    auditLog: null,
    ...fields,
  };
}

/** The problems parseConfig finds in a rules file ("rules.yaml"); [] when it loads. */
export function configProblems(yaml: string): ConfigProblem[] {
  try {
    parseConfig(yaml, "rules.yaml");
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
  return [];
}
