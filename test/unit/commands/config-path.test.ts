// Which rules file a command reads when --config does not say.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  BUNDLED_CONFIG,
  PACKAGE_DIR,
  SYSTEM_CONFIG,
  bundledConfigNote,
  resolveConfigPath,
} from "../../../src/commands/config-path.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url)).replace(/\/$/, "");

/** A stream that keeps what is written to it, synchronously. */
function recorder(): { told: string[]; note: NodeJS.WritableStream } {
  const told: string[] = [];
  const note = { write: (text: string) => told.push(text) > 0 };
  return { told, note: note as unknown as NodeJS.WritableStream };
}

describe("resolveConfigPath", () => {
  const saved = process.env.CLEANUP_CONFIG;
  afterEach(() => {
    if (saved === undefined) delete process.env.CLEANUP_CONFIG;
    else process.env.CLEANUP_CONFIG = saved;
  });

  it("finds the package from the sources too (the bundle sits one level down, these two)", () => {
    expect(PACKAGE_DIR).toBe(REPO);
    expect(BUNDLED_CONFIG).toBe(`${REPO}/rules.yaml`);
    expect(existsSync(BUNDLED_CONFIG)).toBe(true);
  });

  it("--config, else $CLEANUP_CONFIG, else the system file if present, else the bundled one", () => {
    process.env.CLEANUP_CONFIG = "/from/env.yaml";
    expect(resolveConfigPath("/from/flag.yaml")).toBe("/from/flag.yaml");
    expect(resolveConfigPath(undefined)).toBe("/from/env.yaml");
    process.env.CLEANUP_CONFIG = "";
    expect(resolveConfigPath(undefined)).toBe(
      existsSync(SYSTEM_CONFIG) ? SYSTEM_CONFIG : BUNDLED_CONFIG,
    );
  });

  it("says on the given stream, in one line, when the bundled rules are used and where to put one", (ctx) => {
    if (existsSync(SYSTEM_CONFIG)) ctx.skip(); // this machine has its own rules file
    const { told, note } = recorder();
    process.env.CLEANUP_CONFIG = "";
    expect(resolveConfigPath(undefined, note)).toBe(BUNDLED_CONFIG);
    expect(told).toEqual([`${bundledConfigNote(BUNDLED_CONFIG)}\n`]);
    const line = told[0]!;
    expect(line.trimEnd()).not.toContain("\n");
    expect(line).toContain(`using the bundled rules ${BUNDLED_CONFIG}`);
    expect(line).toContain(`put your rules in ${SYSTEM_CONFIG}`);
    expect(line).toContain("--config FILE");
  });

  it("says nothing when a rules file was chosen", () => {
    const { told, note } = recorder();
    process.env.CLEANUP_CONFIG = "/from/env.yaml";
    resolveConfigPath("/from/flag.yaml", note);
    resolveConfigPath(undefined, note);
    expect(told).toEqual([]);
  });
});
