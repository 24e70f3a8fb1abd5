import { describe, expect, it } from "vitest";
import { helpText, parseCommandLine } from "../../../src/commands/table.js";
import { EXIT_TABLE } from "../../../src/exit-codes.js";
import { UsageError } from "../../../src/shared/usage-error.js";

describe("parseCommandLine", () => {
  it("a run, with every option, long and short", () => {
    expect(parseCommandLine([])).toEqual({ name: "run", dryRun: false, format: "text" });
    expect(
      parseCommandLine(["--dry-run", "--json", "--config", "r.yaml", "--state-dir", "/s"]),
    ).toEqual({
      name: "run",
      dryRun: true,
      format: "json",
      config: "r.yaml",
      stateDir: "/s",
    });
    expect(parseCommandLine(["-n", "-c", "r.yaml"])).toEqual({
      name: "run",
      dryRun: true,
      format: "text",
      config: "r.yaml",
    });
    expect(parseCommandLine(["--config=r.yaml"])).toMatchObject({ config: "r.yaml" });
  });

  it("--format, --textfile, daemon and install", () => {
    expect(parseCommandLine(["--format", "nagios", "--textfile", "/t"])).toMatchObject({
      format: "nagios",
      textfile: "/t",
    });
    expect(() => parseCommandLine(["--format", "xml"])).toThrow(
      /--format xml: expected text, json or nagios/,
    );
    expect(
      parseCommandLine(["daemon", "--schedule", "*/30 * * * *", "--health-port", "9464"]),
    ).toEqual({
      name: "daemon",
      schedule: "*/30 * * * *",
      stopTimeoutMs: 30_000,
      healthPort: 9464,
    });
    expect(() => parseCommandLine(["daemon"])).toThrow(/needs --schedule/);
    expect(() =>
      parseCommandLine(["daemon", "--schedule", "* * * * *", "--stop-timeout=-1s"]),
    ).toThrow(/cannot be negative/);
    expect(parseCommandLine(["install", "--cron", "--dry-run"])).toEqual({
      name: "install",
      scheduler: "cron",
      dryRun: true,
    });
    expect(parseCommandLine(["alert", "test", "--sink", "mail"])).toEqual({
      name: "alert-test",
      sink: "mail",
    });
    expect(() => parseCommandLine(["alert", "send"])).toThrow(/expected 'alert test'/);
  });

  it("--allow-untrusted-config where a rules file is read, but not for the daemon", () => {
    expect(parseCommandLine(["check", "--allow-untrusted-config"])).toEqual({
      name: "check",
      allowUntrustedConfig: true,
    });
    for (const args of [[], ["status"], ["port", "80"], ["alert", "test"]]) {
      expect(parseCommandLine([...args, "--allow-untrusted-config"])).toMatchObject({
        allowUntrustedConfig: true,
      });
    }
    expect(() =>
      parseCommandLine(["daemon", "--schedule", "* * * * *", "--allow-untrusted-config"]),
    ).toThrow(/Unknown option '--allow-untrusted-config'/);
    expect(helpText()).toContain("--allow-untrusted-config");
  });

  it("check takes its own --config", () => {
    expect(parseCommandLine(["check"])).toEqual({ name: "check" });
    expect(parseCommandLine(["check", "--config", "x.yaml"])).toEqual({
      name: "check",
      config: "x.yaml",
    });
    expect(parseCommandLine(["check", "-c", "x.yaml"])).toEqual({
      name: "check",
      config: "x.yaml",
    });
  });

  it("help and version", () => {
    expect(parseCommandLine(["--help"])).toEqual({ name: "help" });
    expect(parseCommandLine(["check", "-h"])).toEqual({ name: "help" });
    expect(parseCommandLine(["-V"])).toEqual({ name: "version" });
  });

  it("anything else is a usage error that says where to look", () => {
    expect(() => parseCommandLine(["--dry-runn"])).toThrow(UsageError);
    expect(() => parseCommandLine(["--dry-runn"])).toThrow(
      /Unknown option '--dry-runn'\nSee 'cleanup --help'\./,
    );
    expect(() => parseCommandLine(["check", "--json"])).toThrow(/See 'cleanup check --help'/);
    expect(() => parseCommandLine(["stauts"])).toThrow(/Unexpected argument 'stauts'/);
    expect(() => parseCommandLine(["--config"])).toThrow(/argument missing/);
  });

  it("the help names every option and every exit code", () => {
    const help = helpText();
    for (const option of [
      "--dry-run",
      "--json",
      "--config",
      "--state-dir",
      "--help",
      "--version",
      "check",
    ]) {
      expect(help).toContain(option);
    }
    for (const [code, meaning] of EXIT_TABLE)
      expect(help).toContain(`${String(code).padStart(2)}  ${meaning}`);
  });
});
