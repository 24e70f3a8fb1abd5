// scripts/check-imports.mjs on two tiny trees (test/fixtures/import-tiers/): one whose imports all
// run down the tiers, one with each kind of wrong import; and once as `npm run check` runs it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkImports } from "../../../scripts/check-imports.mjs";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SCRIPT = `${ROOT}scripts/check-imports.mjs`;
const GOOD = `${ROOT}test/fixtures/import-tiers/good`;
const BAD = `${ROOT}test/fixtures/import-tiers/bad`;
/** A spawned check loads typescript: seconds on a saturated 2-core host. */
const SPAWN_MS = 60_000;

function cli(...args: string[]): { code: number | null; stdout: string[]; stderr: string[] } {
  const run = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8" });
  const lines = (text: string): string[] => text.split("\n").filter((line) => line !== "");
  return { code: run.status, stdout: lines(run.stdout), stderr: lines(run.stderr) };
}

const WRONG = [
  "src/config/load.ts:2 imports src/scan/read.ts: config/ (tier 15) may not import scan/ (tier 13)",
  "src/daemon/loop.ts:2 imports src/install/unit.ts: daemon/ (tier 3) may not import install/ (tier 3)",
  "src/host/types.ts:2 imports src/run/stage.ts: host/ (tier 12) may not import run/ (tier 6)",
  "src/misc/helper.ts: folder src/misc/ has no tier in scripts/check-imports.mjs",
  "src/scan/read.ts:2 imports src/run/stage.ts: scan/ (tier 13) may not import run/ (tier 6)",
  "src/shared/text.ts:2 imports src/config/load.ts: shared/ (tier 18) may not import config/ (tier 15)",
  "src/stray.ts: a root-level file with no tier; it must live in a folder",
];

describe("check-imports", () => {
  it("passes imports that run down: own folder, lower tiers, types, import(), export from", () => {
    expect(checkImports(GOOD, undefined)).toEqual({ failures: [], temporary: [] });
  });

  it("names each wrong import (upward, same tier, type, import(), export from) and untiered files", () => {
    expect(checkImports(BAD, undefined)).toEqual({ failures: WRONG, temporary: [] });
  });

  it("reports allowlisted violations as temporary and still fails on the others", () => {
    expect(checkImports(BAD, `${BAD}/partly.allow`)).toEqual({
      failures: WRONG.filter((_, index) => index !== 1 && index !== 6),
      temporary: [`temporary: ${WRONG[1]}`, `temporary: ${WRONG[6]}`],
    });
  });

  it("fails on an allowlist entry that matches no violation: it would let the import back", () => {
    const allow = `${BAD}/stale.allow`;
    expect(checkImports(GOOD, allow)).toEqual({
      failures: [
        `${allow}:1: "src/shared/text.ts -> src/scan/read.ts" is no longer a violation; remove it`,
      ],
      temporary: [],
    });
  });

  it(
    "exits 1 with one line per violation, and 0 on this repository with its allowlist",
    () => {
      const bad = cli("--root", BAD, "--allow", "none");
      expect(bad.code).toBe(1);
      expect(bad.stdout).toEqual([]);
      expect(bad.stderr).toEqual([
        ...WRONG,
        "7 problem(s) with the import tiers (the list: TIERS in this script)",
      ]);
      const repo = cli();
      expect(repo.stderr).toEqual([]);
      expect(repo.code).toBe(0);
      expect(repo.stdout.at(-1)).toMatch(
        /^imports follow the tiers \(\d+ temporary, allowlisted\)$/,
      );
    },
    SPAWN_MS,
  );
});
