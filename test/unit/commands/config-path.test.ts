// Which rules file a command reads when --config does not say.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  BUNDLED_CONFIG,
  PACKAGE_DIR,
  SYSTEM_CONFIG,
  resolveConfigPath,
} from "../../../src/commands/config-path.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url)).replace(/\/$/, "");

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
});
