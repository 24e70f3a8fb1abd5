// The build's V8 code caches of the scripts dist/cli.js loads (src/commands/cached-script.ts,
// scripts/code-cache.mjs), on the built dist: accepted by this node, and a cache that is
// damaged, of another script or rejected by V8 gives the same answers as none at all.
// `check` loads the config script; a dry run the machinery script. Nothing here signals: the
// dry runs' only rule matches a token no process runs, and a dry run signals nothing anyway.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUNDLED = join(ROOT, "rules.yaml");
const TOKEN = `code-cache-${process.pid}-${Date.now().toString(36)}`;

interface Answer {
  code: number | null;
  stdout: string;
  stderr: string;
  cache: string | undefined;
}

function cli(dist: string, args: string[], nodeFlags: string[] = []): Answer {
  const r = spawnSync(process.execPath, [...nodeFlags, join(dist, "cli.js"), ...args], {
    encoding: "utf8",
    env: { ...process.env, NODE_DEBUG: "cleanup-code-cache", NODE_OPTIONS: "" },
  });
  const cache = /cache (accepted|rejected|absent|damaged)/.exec(r.stderr)?.[1];
  const stderr = r.stderr
    .split("\n")
    .filter((l) => !l.startsWith("CLEANUP-CODE-CACHE"))
    .join("\n");
  return { code: r.status, stdout: r.stdout, stderr, cache };
}

/** What a dry run's answer says that does not change from run to run. */
function dryRunFacts(a: Answer): unknown {
  if (a.code !== 0) return { code: a.code, stderr: a.stderr, stdout: a.stdout };
  const report = JSON.parse(a.stdout) as {
    configFile: string;
    dryRun: boolean;
    exitCode: number;
    plan: { entries: unknown[] };
    results: unknown[];
  };
  return {
    code: a.code,
    stderr: a.stderr,
    configFile: report.configFile,
    dryRun: report.dryRun,
    exitCode: report.exitCode,
    planned: report.plan.entries.length,
    results: report.results.length,
  };
}

describe("code caches of the scripts", () => {
  let work: string;
  let bad: string;
  let idle: string;
  let stateDir: string;
  const copy = (name: string): string => {
    const dir = join(work, name);
    cpSync(join(ROOT, "dist"), join(dir, "dist"), { recursive: true });
    cpSync(join(ROOT, "package.json"), join(dir, "package.json"));
    return join(dir, "dist");
  };
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "cleanup-code-cache-"));
    bad = join(work, "bad.yaml");
    writeFileSync(bad, "rules:\n  - name: x\n    match: { cmdline: '(a' }\n    action: kill\n");
    idle = join(work, "idle.yaml");
    writeFileSync(
      idle,
      `rules:\n  - name: never\n    match: { cmdline: '^/nonexistent/${TOKEN} ', orphaned: true }\n    action: kill\n`,
    );
    stateDir = join(work, "state");
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Per script: the commands that load it, and what of their answers must not change. */
  const scripts = {
    "config-script": {
      commands: () => [
        ["check", "--config", BUNDLED],
        ["check", "--config", bad],
      ],
      facts: (a: Answer): unknown => ({ code: a.code, stdout: a.stdout, stderr: a.stderr }),
    },
    "machinery-script": {
      // A bad rules file read by the run: its ConfigError must be the class main() knows.
      commands: () => [
        ["--dry-run", "--json", "--config", idle, "--state-dir", stateDir],
        ["--dry-run", "--config", bad, "--state-dir", stateDir],
      ],
      facts: dryRunFacts,
    },
  } as const;

  for (const [script, { commands, facts }] of Object.entries(scripts)) {
    it(`${script}: accepted by this node on the built dist`, () => {
      const [good, failed] = commands().map((args) => cli(join(ROOT, "dist"), args));
      expect(good!.cache).toBe("accepted");
      expect(good!.code).toBe(0);
      expect(failed!.cache).toBe("accepted");
      expect(failed!.code).toBe(3);
      expect(failed!.stderr).toMatch(/config invalid.*\n.*invalid regular expression/);
    });

    it(`${script}: damaged, of another script, missing or rejected by V8: the same answers`, () => {
      const reference = commands().map((args) => facts(cli(join(ROOT, "dist"), args)));
      const cacheFile = (dist: string): string => join(dist, `${script}.cache`);
      const cases: [string, (dist: string) => void, string[], string][] = [
        [
          "flipped bytes",
          (dist) => {
            const b = readFileSync(cacheFile(dist));
            for (const at of [200, b.length >> 1, b.length - 10]) b[at]! ^= 0xff;
            writeFileSync(cacheFile(dist), b);
          },
          [],
          "damaged",
        ],
        [
          "truncated",
          (dist) => writeFileSync(cacheFile(dist), readFileSync(cacheFile(dist)).subarray(0, 1000)),
          [],
          "damaged",
        ],
        [
          "of another script",
          (dist) => {
            const f = join(dist, `${script}.js`);
            const text = readFileSync(f, "latin1");
            const other = text.replace(
              new RegExp(`^// cleanup ${script} [0-9a-f]+`),
              `// cleanup ${script} 0`,
            );
            expect(other).not.toBe(text);
            writeFileSync(f, other, "latin1");
          },
          [],
          "damaged",
        ],
        ["missing", (dist) => rmSync(cacheFile(dist)), [], "absent"],
        ["other V8 flags", () => {}, ["--no-opt"], "rejected"],
      ];
      for (const [name, spoil, flags, use] of cases) {
        const dist = copy(`${script}-${name.replace(/\W+/g, "-")}`);
        spoil(dist);
        for (const [i, args] of commands().entries()) {
          const got = cli(dist, args, flags);
          expect(got.cache, `${script} ${name}`).toBe(use);
          expect(facts(got), `${script} ${name}`).toEqual(reference[i]);
        }
      }
    });
  }
});
