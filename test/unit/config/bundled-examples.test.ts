// The commented examples in the bundled rules.yaml are documentation an operator copies: each
// must be valid as written once uncommented.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.js";

const BUNDLED = readFileSync(new URL("../../../rules.yaml", import.meta.url), "utf8");

/** The commented block that starts with `# ${first}` (same indentation), uncommented. */
function uncomment(first: string): string {
  const lines = BUNDLED.split("\n");
  const start = lines.findIndex((l) => l.trimStart().startsWith(`# ${first}`));
  expect(start, `an example starting with '# ${first}'`).toBeGreaterThanOrEqual(0);
  const indent = lines[start]!.indexOf("#");
  const block: string[] = [];
  for (const line of lines.slice(start)) {
    if (line.indexOf("#") !== indent || !line.trimStart().startsWith("#")) break;
    block.push(" ".repeat(indent) + line.slice(indent + 2));
  }
  return block.join("\n");
}

describe("rules.yaml's commented examples", () => {
  it("the stale port holder rule is a valid kill rule on a port and a program", () => {
    const config = parseConfig(
      `rules:\n${uncomment("- name: stale-health-port-holder")}\n`,
      "example.yaml",
    );
    expect(config.rules[0]).toMatchObject({
      name: "stale-health-port-holder",
      action: "kill",
      selector: { listeningPort: [{ from: 9091, to: 9091 }] },
      conditions: { orphaned: true, olderThanMs: 600_000 },
    });
  });

  it("the fork-pool children rule is a valid kill rule with preset python-fork-pool", () => {
    const config = parseConfig(
      `rules:\n${uncomment("- name: orphaned-fork-pool-children")}\n`,
      "example.yaml",
    );
    expect(config.rules[0]).toMatchObject({
      name: "orphaned-fork-pool-children",
      action: "kill",
      conditions: {
        orphaned: true,
        groupLeader: ["gone"],
        sessionLeader: ["alive", "gone"],
        olderThanMs: 600_000,
      },
    });
    expect(config.rules[0]?.selector.cmdline?.test("python -m apps.mtproto.worker")).toBe(true);
  });

  it("the service with PID files and a health probe is valid", () => {
    const config = parseConfig(`rules: []\n${uncomment("services:")}\n`, "/etc/cleanup/rules.yaml");
    expect(config.services).toHaveLength(1);
    expect(config.services[0]).toMatchObject({
      name: "worker",
      pidFiles: ["/etc/cleanup/.pids/worker.pid", "/etc/cleanup/logs/dev_*.pid"],
      singleInstance: true,
      removeStalePidFiles: true,
      severity: "warning",
      health: {
        url: "http://127.0.0.1:9091/health",
        timeoutMs: 5_000,
        expectStatus: [200],
        expectJson: [{ path: "status", equals: "healthy" }],
        show: [
          { label: "cpu", path: "cpu_percent" },
          { label: "memory", path: "memory_mb" },
          { label: "uptime", path: "uptime_s" },
        ],
        killAfter: 3,
      },
    });
  });

  it("the alerts example is valid", () => {
    const config = parseConfig(`rules: []\n${uncomment("alerts:")}\n`, "example.yaml");
    expect(config.alerts.sinks.map((s) => s.type)).toEqual([
      "log",
      "email",
      "webhook",
      "alertmanager",
    ]);
  });
});
