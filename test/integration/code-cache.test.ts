// The build's V8 code cache of `cleanup check`'s config script (src/commands/config-script.ts,
// scripts/code-cache.mjs), on the built dist: accepted by this node, and a cache that is
// damaged, of another script or rejected by V8 gives the same answers as none at all.
// Nothing here scans or signals: check only reads the rules file.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUNDLED = join(ROOT, "rules.yaml");

function check(dist: string, config: string, nodeFlags: string[] = []) {
  const r = spawnSync(
    process.execPath,
    [...nodeFlags, join(dist, "cli.js"), "check", "--config", config],
    {
      encoding: "utf8",
      env: { ...process.env, NODE_DEBUG: "cleanup-code-cache", NODE_OPTIONS: "" },
    },
  );
  const cache = /cache (accepted|rejected|absent|damaged)/.exec(r.stderr)?.[1];
  const stderr = r.stderr
    .split("\n")
    .filter((l) => !l.startsWith("CLEANUP-CODE-CACHE"))
    .join("\n");
  return { code: r.status, stdout: r.stdout, stderr, cache };
}

describe("code cache of the config script", () => {
  let work: string;
  let bad: string;
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
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("is accepted by this node on the built dist", () => {
    const good = check(join(ROOT, "dist"), BUNDLED);
    expect(good.cache).toBe("accepted");
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/rules\.yaml: OK \(\d+ rules/);
  });

  it("damaged, of another script, missing or rejected by V8: the same answers", () => {
    const reference = [check(join(ROOT, "dist"), BUNDLED), check(join(ROOT, "dist"), bad)] as const;
    expect(reference[1].code).toBe(3);
    expect(reference[1].stderr).toMatch(/invalid regular expression/);
    const cases: [string, (dist: string) => void, string[], string][] = [
      [
        "flipped bytes",
        (dist) => {
          const f = join(dist, "config-script.cache");
          const b = readFileSync(f);
          for (const at of [200, b.length >> 1, b.length - 10]) b[at]! ^= 0xff;
          writeFileSync(f, b);
        },
        [],
        "damaged",
      ],
      [
        "truncated",
        (dist) => {
          const f = join(dist, "config-script.cache");
          writeFileSync(f, readFileSync(f).subarray(0, 1000));
        },
        [],
        "damaged",
      ],
      [
        "of another script",
        (dist) => {
          const f = join(dist, "config-script.js");
          writeFileSync(
            f,
            readFileSync(f, "latin1").replace(
              /^\/\/ cleanup config script [0-9a-f]+/,
              "// cleanup config script 0",
            ),
            "latin1",
          );
        },
        [],
        "damaged",
      ],
      ["missing", (dist) => rmSync(join(dist, "config-script.cache")), [], "absent"],
      ["other V8 flags", () => {}, ["--no-opt"], "rejected"],
    ];
    for (const [name, spoil, flags, use] of cases) {
      const dist = copy(name.replace(/\W+/g, "-"));
      spoil(dist);
      for (const [i, config] of [BUNDLED, bad].entries()) {
        const got = check(dist, config, flags);
        expect(got.cache, name).toBe(use);
        expect({ code: got.code, stdout: got.stdout, stderr: got.stderr }, name).toEqual({
          code: reference[i]!.code,
          stdout: reference[i]!.stdout,
          stderr: reference[i]!.stderr,
        });
      }
    }
  });
});
