// `cleanup port PORT [--free [--dry-run]] [--tcp | --udp] [--json]` on the command line.
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../../src/commands/table.js";
import { UsageError } from "../../../src/shared/usage-error.js";

function usageError(args: string[]): string {
  try {
    parseCommandLine(args);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error(`parsed: ${args.join(" ")}`);
}

const NEEDS_PORT = "cleanup port needs one port number (1-65535)";
const EXAMPLE = ", e.g. cleanup port 9091 --free\nSee 'cleanup --help'.";

describe("parseCommandLine: port", () => {
  it("a port alone shows its holders", () => {
    expect(parseCommandLine(["port", "9091"])).toEqual({
      name: "port",
      port: 9091,
      protos: [],
      free: false,
      dryRun: false,
      json: false,
    });
  });

  it("every option", () => {
    expect(
      parseCommandLine([
        "port",
        "9091",
        "--free",
        "--dry-run",
        "--tcp",
        "--json",
        "-c",
        "f",
        "--state-dir",
        "d",
      ]),
    ).toEqual({
      name: "port",
      port: 9091,
      protos: ["tcp"],
      free: true,
      dryRun: true,
      json: true,
      config: "f",
      stateDir: "d",
    });
    expect(parseCommandLine(["port", "--free", "-n", "--udp", "--tcp", "1"])).toEqual({
      name: "port",
      port: 1,
      protos: ["tcp", "udp"],
      free: true,
      dryRun: true,
      json: false,
    });
    expect(parseCommandLine(["port", "65535", "--udp"])).toMatchObject({
      port: 65535,
      protos: ["udp"],
    });
    expect(parseCommandLine(["port", "9091", "--help"])).toEqual({ name: "help" });
  });

  it("needs exactly one port number in 1-65535", () => {
    expect(usageError(["port"])).toBe(`${NEEDS_PORT}${EXAMPLE}`);
    expect(usageError(["port", "--free"])).toBe(`${NEEDS_PORT}${EXAMPLE}`);
    expect(usageError(["port", "0"])).toBe(`${NEEDS_PORT}, got 0${EXAMPLE}`);
    expect(usageError(["port", "70000"])).toBe(`${NEEDS_PORT}, got 70000${EXAMPLE}`);
    expect(usageError(["port", "65536"])).toBe(`${NEEDS_PORT}, got 65536${EXAMPLE}`);
    expect(usageError(["port", "abc"])).toBe(`${NEEDS_PORT}, got abc${EXAMPLE}`);
    expect(usageError(["port", "90.5"])).toBe(`${NEEDS_PORT}, got 90.5${EXAMPLE}`);
    expect(usageError(["port", "9091", "9092"])).toBe(`${NEEDS_PORT}, got 9091 9092${EXAMPLE}`);
  });

  it("--dry-run goes with --free", () => {
    const message =
      "--dry-run goes with --free (cleanup port N alone changes nothing)\nSee 'cleanup --help'.";
    expect(usageError(["port", "9091", "--dry-run"])).toBe(message);
    expect(usageError(["port", "9091", "-n"])).toBe(message);
  });

  it("an unknown option is a usage error that points at the port help", () => {
    expect(usageError(["port", "9091", "--force"])).toBe(
      "Unknown option '--force'\nSee 'cleanup port --help'.",
    );
  });
});
