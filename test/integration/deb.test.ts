// `npm run deb`'s package, installed for real with dpkg into a scratch root (--root: its own
// file tree and its own dpkg database, the host's untouched), then run from there with the
// host's node: --version, and a --dry-run whose rules match only this test's orphan, which must
// still be alive afterwards. lintian, if installed, checks the .deb: its findings are printed,
// and only an error-level one fails the test.
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { Scene } from "../helpers/scene.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const { version: VERSION } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
};
const work = mkdtempSync(join(tmpdir(), "cleanup-deb-test-"));
const scratch = join(work, "root");
const scene = new Scene();
afterAll(() => {
  scene.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const run = (file: string, args: string[]) => execFileSync(file, args, { encoding: "utf8" });

/** The host's own nodejs entry, so the scratch database can check Depends against it. */
function hostNodejsStanza(): string | null {
  const status = spawnSync("dpkg-query", ["--status", "nodejs"], { encoding: "utf8" });
  return status.status === 0 && /^Status: install ok installed$/m.test(status.stdout)
    ? status.stdout
    : null;
}

describe("the Debian package", () => {
  let deb = "";

  it("builds with root-owned files, the units, conffiles and Depends: nodejs (>= 20)", () => {
    expect(existsSync(join(ROOT, "dist/metafile.json")), "run `npm run build` first").toBe(true);
    deb = run("node", [join(ROOT, "scripts/build-deb.mjs"), "--out", work]).trim();
    expect(deb).toBe(join(work, `cleanup_${VERSION}_all.deb`));
    expect(run("dpkg-deb", ["--field", deb, "Package", "Version", "Architecture", "Depends"])).toBe(
      `Package: cleanup\nVersion: ${VERSION}\nArchitecture: all\nDepends: nodejs (>= 20)\n`,
    );
    const listing = run("dpkg-deb", ["--contents", deb]).trim().split("\n");
    expect(listing.every((line) => line.split(/\s+/)[1] === "root/root")).toBe(true);
    const paths = listing.map((line) => line.split(/\s+/)[5]);
    // dist/cli.js and every chunk of the split bundle it loads (scripts/build.mjs).
    const chunks = readdirSync(join(ROOT, "dist"))
      .filter((f) => /^chunk-[A-Z0-9]+\.js$/.test(f))
      .map((f) => `./usr/lib/cleanup/dist/${f}`);
    expect(chunks.length).toBeGreaterThan(0);
    for (const path of [
      ...chunks,
      "./usr/lib/cleanup/dist/cli.js",
      "./usr/lib/cleanup/dist/config-script.js",
      "./usr/lib/cleanup/dist/config-script.cache",
      "./usr/lib/cleanup/dist/machinery-script.js",
      "./usr/lib/cleanup/dist/machinery-script.cache",
      "./usr/lib/cleanup/package.json",
      "./usr/lib/cleanup/rules.yaml",
      "./usr/lib/cleanup/report.schema.json",
      "./usr/bin/cleanup",
      "./lib/systemd/system/cleanup.service",
      "./lib/systemd/system/cleanup.timer",
      "./etc/cleanup/rules.yaml",
      "./etc/cleanup/env",
      "./usr/share/doc/cleanup/copyright",
      "./usr/share/man/man1/cleanup.1.gz",
      "./usr/share/man/man5/cleanup-rules.5.gz",
    ])
      expect(paths).toContain(path);
    const control = join(work, "control");
    run("dpkg-deb", ["--control", deb, control]);
    expect(readFileSync(join(control, "conffiles"), "utf8")).toBe(
      "/etc/cleanup/env\n/etc/cleanup/rules.yaml\n",
    );
  }, 120_000); // dpkg-deb's xz of a 1.7 MB bundle: seconds, many more on a saturated host

  it("installs into a scratch root with dpkg -i and records it there", () => {
    const admin = join(scratch, "var/lib/dpkg");
    for (const dir of ["info", "updates", "triggers"])
      mkdirSync(join(admin, dir), { recursive: true });
    const nodejs = hostNodejsStanza();
    writeFileSync(join(admin, "status"), nodejs ? `${nodejs.trimEnd()}\n\n` : "");
    if (nodejs) writeFileSync(join(admin, "info", "nodejs.list"), ""); // its files are the host's
    // Without a dpkg-installed nodejs on this host (nvm, a tarball) the scratch database has
    // none to check against: only then are dependencies not enforced.
    const force = nodejs ? [] : ["--force-depends"];
    if (!nodejs) console.log("deb test: no dpkg-installed nodejs on this host: --force-depends");
    run("dpkg", [`--root=${scratch}`, "--force-not-root", "--log=/dev/null", ...force, "-i", deb]);

    expect(
      run("dpkg-query", [
        `--admindir=${admin}`,
        "-W",
        "-f",
        "${db:Status-Abbrev}${Version}",
        "cleanup",
      ]),
    ).toBe(`ii ${VERSION}`);
    const conffiles = run("dpkg-query", [
      `--admindir=${admin}`,
      "-W",
      "-f",
      "${Conffiles}",
      "cleanup",
    ]);
    expect(conffiles).toMatch(/^ \/etc\/cleanup\/rules\.yaml [0-9a-f]{32}$/m);
    expect(conffiles).toMatch(/^ \/etc\/cleanup\/env [0-9a-f]{32}$/m);

    expect(readlinkSync(join(scratch, "usr/bin/cleanup"))).toBe("../lib/cleanup/dist/cli.js");
    expect(statSync(join(scratch, "usr/lib/cleanup/dist/cli.js")).mode & 0o777).toBe(0o755);
    const env = lstatSync(join(scratch, "etc/cleanup/env"));
    expect([env.mode & 0o777, env.uid]).toEqual([0o600, 0]);
    expect(readFileSync(join(scratch, "etc/cleanup/env"), "utf8")).toMatch(/^#SMTP_PASSWORD=$/m);
    expect(readFileSync(join(scratch, "etc/cleanup/rules.yaml"))).toEqual(
      readFileSync(join(ROOT, "rules.yaml")),
    );
    const service = readFileSync(join(scratch, "lib/systemd/system/cleanup.service"), "utf8");
    expect(service.match(/^ExecStart=.*$/gm)).toEqual([
      "ExecStart=/usr/bin/cleanup --config /etc/cleanup/rules.yaml",
    ]);
    expect(readFileSync(join(scratch, "lib/systemd/system/cleanup.timer"))).toEqual(
      readFileSync(join(ROOT, "systemd/cleanup.timer")),
    );
    // The man pages are the build's, gzipped with no name and no time (gzip -9n): reproducible.
    for (const [section, page] of [
      ["man1", "cleanup.1"],
      ["man5", "cleanup-rules.5"],
    ] as const) {
      const gz = readFileSync(join(scratch, "usr/share/man", section, `${page}.gz`));
      expect(gunzipSync(gz)).toEqual(readFileSync(join(ROOT, "dist/man", page)));
      expect(gz[3]! & 0x08, "FNAME flag").toBe(0);
      expect(gz.readUInt32LE(4), "MTIME").toBe(0);
    }
    const copyright = readFileSync(join(scratch, "usr/share/doc/cleanup/copyright"), "utf8");
    expect(copyright).toMatch(/^Files: \*\nCopyright: 2026 The cleanup authors\nLicense: MIT$/m);
    for (const name of ["yaml", "zod", "pino", "nodemailer", "node-cron", "re2js"])
      expect(copyright).toMatch(new RegExp(`^Comment: ${name} \\d+\\.\\d+\\.\\d+, bundled`, "m"));
  }, 120_000);

  it("runs from there with the host's node: --version, and a dry run that signals nothing", async () => {
    const bin = join(scratch, "usr/bin/cleanup");
    const env = { ...process.env, CLEANUP_CONFIG: "" };
    expect(spawnSync(bin, ["--version"], { encoding: "utf8", env })).toMatchObject({
      status: 0,
      stdout: `${VERSION}\n`,
    });

    // A real orphan of this test; the rules match only this scene's token interpreter path.
    const orphan = await scene.orphan("deb-dry-run", "--ignore-term");
    const config = scene.killRules();
    const dry = spawnSync(bin, ["--dry-run", "--config", config, "--state-dir", scene.stateDir], {
      encoding: "utf8",
      env,
    });
    expect(dry.stderr).toBe("");
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(
      new RegExp(`^cleanup: dry run: nothing will be signalled; config ${config}`),
    );
    expect(dry.stdout).toContain("WOULD KILL (1)");
    expect(dry.stdout).toContain(String(orphan.pid));
    expect(scene.alive(orphan.pid)).toBe(true);
    expect(existsSync(scene.stateDir)).toBe(false);
  }, 60_000);

  it("passes lintian without errors (warnings are printed, not failed on)", (ctx) => {
    if (!existsSync("/usr/bin/lintian")) {
      console.log("deb test: lintian is not installed (scripts/install-test-deps.sh installs it)");
      ctx.skip();
    }
    // lintian leaves its MLDBM caches (mldbm-elf-*) in TMPDIR: the test's own dir, not /tmp.
    const lintTmp = join(work, "lintian-tmp");
    mkdirSync(lintTmp, { recursive: true });
    const lint = spawnSync("lintian", ["--display-info", "--pedantic", deb], {
      encoding: "utf8",
      env: { ...process.env, TMPDIR: lintTmp },
    });
    const findings = lint.stdout.trim();
    console.log(`lintian ${deb}:\n${findings || "(no findings)"}`);
    expect(lint.error).toBeUndefined();
    expect(findings.split("\n").filter((line) => line.startsWith("E: "))).toEqual([]);
    // The man pages ship: no binary without one, and lintian reads them without complaint.
    expect(findings).not.toMatch(/no-manual-page|manpage|groff-message/);
  }, 300_000); // lintian unpacks and checks the whole package: 20 s here when idle
});
