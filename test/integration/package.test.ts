// What `npm pack` ships, installed into a fresh directory: the bundle carries every dependency,
// so the package installs with none, runs no install script (the bundle is built before
// packing, by `prepack`) and runs as the README says.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { bundledPackages, renderNotices, renderSbom } from "../../scripts/third-party.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VERSION = (
  JSON.parse(
    execFileSync("node", ["-p", "JSON.stringify(require('./package.json'))"], {
      cwd: ROOT,
      encoding: "utf8",
    }),
  ) as { version: string }
).version;
const work = mkdtempSync(join(tmpdir(), "cleanup-pack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the npm package", () => {
  it("packs, installs in a fresh directory with no dependencies, and runs --version and --dry-run", () => {
    // --ignore-scripts: dist/ is built by `npm test` already; `prepack` would rebuild it under the other tests.
    const packed = execFileSync(
      "npm",
      ["pack", "--ignore-scripts", "--json", "--pack-destination", work],
      { cwd: ROOT, encoding: "utf8" },
    );
    const [info] = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
    const shipped = info!.files.map((f) => f.path);
    for (const file of [
      "dist/cli.js",
      "dist/THIRD-PARTY-NOTICES.txt",
      "dist/sbom.cdx.json",
      "LICENSE",
      "rules.yaml",
      "rules.schema.json",
      "report.schema.json",
      "systemd/cleanup.service",
      "systemd/cleanup.timer",
      "contrib/cron.d/cleanup",
      "README.md",
      "package.json",
    ]) {
      expect(shipped).toContain(file);
    }
    expect(shipped.some((f) => f.startsWith("src/") || f.startsWith("test/"))).toBe(false);
    // The bundle (dist/cli.js and every chunk it loads) and what it carries, nothing else of
    // dist/ (dist/config/ is `npm run schema`'s tool).
    const chunks = readdirSync(join(ROOT, "dist"))
      .filter((f) => /^chunk-[A-Z0-9]+\.js$/.test(f))
      .map((f) => `dist/${f}`);
    expect(chunks.length).toBeGreaterThan(0);
    expect(shipped.filter((f) => f.startsWith("dist/")).sort()).toEqual(
      [
        "dist/THIRD-PARTY-NOTICES.txt",
        "dist/cli.js",
        "dist/config-script.cache",
        "dist/config-script.js",
        "dist/machinery-script.cache",
        "dist/machinery-script.js",
        "dist/man/cleanup-rules.5",
        "dist/man/cleanup.1",
        "dist/sbom.cdx.json",
        ...chunks,
      ].sort(),
    );

    const app = join(work, "app");
    execFileSync("mkdir", ["-p", app]);
    execFileSync("npm", ["init", "-y"], { cwd: app, stdio: "ignore" });
    execFileSync("npm", ["install", "--no-audit", "--no-fund", join(work, info!.filename)], {
      cwd: app,
      stdio: "ignore",
    });
    // Nothing runs at install: the bundle came built (npm warns about install scripts otherwise).
    const installed = JSON.parse(
      readFileSync(join(app, "node_modules", "cleanup", "package.json"), "utf8"),
    ) as { scripts?: Record<string, string>; man?: string[] };
    for (const hook of ["preinstall", "install", "postinstall", "prepare"])
      expect(installed.scripts?.[hook]).toBeUndefined();
    // "man": what `npm install -g` links into its man directory, shipped where it points.
    expect(installed.man).toEqual(["dist/man/cleanup.1", "dist/man/cleanup-rules.5"]);
    for (const page of installed.man!)
      expect(readFileSync(join(app, "node_modules", "cleanup", page), "utf8")).toMatch(/^\.TH /);
    expect(readdirSync(join(app, "node_modules")).filter((d) => !d.startsWith("."))).toEqual([
      "cleanup",
    ]);

    // The SBOM and notices it ships are those of this build's bundle (esbuild's metafile).
    const bundled = bundledPackages(
      JSON.parse(readFileSync(join(ROOT, "dist", "metafile.json"), "utf8")) as {
        inputs: Record<string, unknown>;
      },
      ROOT,
    );
    const self = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      name: string;
      version: string;
      license: string;
    };
    const shippedDist = join(app, "node_modules", "cleanup", "dist");
    expect(readFileSync(join(shippedDist, "sbom.cdx.json"), "utf8")).toBe(
      renderSbom(self, bundled),
    );
    expect(readFileSync(join(shippedDist, "THIRD-PARTY-NOTICES.txt"), "utf8")).toBe(
      renderNotices(self, bundled),
    );

    const bin = join(app, "node_modules", ".bin", "cleanup");
    const version = spawnSync(bin, ["--version"], { encoding: "utf8" });
    expect(version).toMatchObject({ status: 0, stdout: `${VERSION}\n` });
    // --dry-run with the package's own bundled rules.yaml (no /etc/cleanup/rules.yaml here), nothing signalled.
    const dry = spawnSync(bin, ["--dry-run"], {
      encoding: "utf8",
      env: { ...process.env, CLEANUP_CONFIG: "" },
    });
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain(`config ${join(app, "node_modules", "cleanup", "rules.yaml")}`);
    expect(dry.stdout).toMatch(/^cleanup: dry run: nothing will be signalled/);
    const help = spawnSync(bin, ["--help"], { encoding: "utf8" });
    for (const command of ["status", "daemon", "alert test", "check"])
      expect(help.stdout).toContain(command);
  }, 180_000); // npm pack and install: minutes on a saturated machine
});
