// The binary as an operator meets it: bad configs, the bundled rules (dry run only), help.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_TABLE } from "../../src/exit-codes.js";
import { CLI, Scene } from "../helpers/scene.js";

const BUNDLED = fileURLToPath(new URL("../../rules.yaml", import.meta.url));
const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

describe("a broken config kills nothing", () => {
  let scene: Scene;
  let victim: number;
  beforeAll(async () => {
    scene = new Scene();
    victim = (await scene.orphan("victim")).pid;
  });
  afterAll(() => scene.cleanup());

  // Each file has a valid kill rule that would take the scene's orphan, plus one error.
  const valid = (s: Scene) => `
  - name: would-kill
    match: { cmdline: '^${s.pattern} ', orphaned: true }
    action: kill`;

  const cases: [string, (s: Scene) => string, RegExp][] = [
    [
      "a YAML syntax error",
      (s) => `rules:${valid(s)}: now\n`,
      /:4:\d+ YAML syntax error: Nested mappings are not allowed/,
    ],
    [
      "an unknown key",
      (s) => `rules:${valid(s)}\n    older_thn: 1d\n`,
      /:5:5 rules\[0\]\.older_thn: unknown key, did you mean 'match\.older_than'\?/,
    ],
    [
      "an invalid regex",
      (s) =>
        `rules:${valid(s)}\n  - name: bad\n    match: { cmdline: '(unclosed' }\n    action: alert\n`,
      /:6:23 rules\[1\]\.match\.cmdline: invalid regular expression: .*\(got '\(unclosed'/,
    ],
    [
      "a negative duration",
      (s) => `rules:${valid(s)}\n    grace: -5s\n`,
      /:5:12 rules\[0\]\.grace: a duration cannot be negative \(got -5s, expected a duration like/,
    ],
    [
      "a wrong type",
      (s) => `rules:${valid(s)}\n    tree: "yes"\n`,
      /:5:11 rules\[0\]\.tree: wrong type \(got "yes", expected true or false/,
    ],
  ];

  it.each(cases)(
    "%s: exit 3, FILE:LINE:COL in the message, the orphan alive",
    async (_name, text, message) => {
      const file = scene.rules(text(scene), `broken-${_name.replace(/\W+/g, "-")}.yaml`);
      const run = await scene.run(file);
      expect(run.code).toBe(3);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain("config invalid, nothing was done");
      expect(run.stderr).toContain(file);
      expect(run.stderr).toMatch(message);
      expect(scene.alive(victim)).toBe(true);
      expect(existsSync(scene.stateDir)).toBe(false);

      const check = await scene.runAgent(["check", "--config", file]);
      expect(check.code).toBe(3);
      expect(check.stderr).toMatch(message);
    },
  );

  it("a state directory it cannot write: exit 6, nothing killed", async () => {
    const file = scene.rules(`rules:${valid(scene)}\n`, "valid.yaml");
    // /proc/1: root's, not writable by others, and no file can be created in it.
    const run = await scene.run(file, { stateDir: "/proc/1" });

    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/^cleanup: cannot take the lock in \/proc\/1: /);
    expect(scene.alive(victim)).toBe(true);
  });

  it("with --json, the problems are JSON on stdout too", async () => {
    const file = scene.rules(`rules:${valid(scene)}\n    grace: -5s\n`, "broken-json.yaml");
    const run = await scene.runAgent(["--json", "--config", file]);
    expect(run.code).toBe(3);
    expect(run.json).toMatchObject({
      exitCode: 3,
      error: { kind: "config", problems: [{ line: 5, col: 12, path: "rules[0].grace" }] },
    });
    expect(scene.alive(victim)).toBe(true);
  });
});

describe("the bundled rules and the command line", () => {
  let scene: Scene;
  beforeAll(() => {
    scene = new Scene();
  });
  afterAll(() => scene.cleanup());

  it("cleanup check accepts the bundled rules.yaml", async () => {
    const run = await scene.runAgent(["check", "--config", BUNDLED]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /rules\.yaml: OK \(12 rules, 6 kill, 1 protect entries, 0 services\)/,
    );
  });

  it("cleanup --dry-run prints this machine's plan from the bundled rules", async () => {
    const run = await scene.runAgent(["--dry-run", "--config", BUNDLED]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^cleanup: dry run: nothing will be signalled; config .*rules\.yaml\nscanned \d+ processes/,
    );
    expect(run.stdout).toMatch(
      /^uid \d+: a live run would (be allowed to signal any user's processes|act on its own processes only)$/m,
    );
    expect(run.stdout).not.toContain("in detail");
    expect(run.stdout).toMatch(/summary: would kill \d+, spared \d+/);
    const json = await scene.runAgent(["--dry-run", "--json", "--config", BUNDLED]);
    expect(json.json).toMatchObject({ dryRun: true, outcome: "ok", exitCode: 0 });
    expect(json.json!.scan.processes).toBeGreaterThan(1);
    for (const r of json.json!.results) expect(r.outcome).toBe("would-kill");
  });

  it("no rules file chosen: one line on stderr names the bundled file and where to put one", (ctx) => {
    if (existsSync("/etc/cleanup/rules.yaml")) ctx.skip(); // this machine has its own
    // Not our own $CLEANUP_CONFIG, whatever the environment has: the fallback is under test.
    const env = { ...process.env, CLEANUP_CONFIG: "" };
    const agent = (args: string[]) =>
      spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env });
    const check = agent(["check"]);
    expect(check.status).toBe(0);
    // Warnings of keys this host cannot serve depend on the host (systemd or not): not the note.
    const hostWarning = (l: string) => /^warning: .* rules\[\d+\]\.match\.unit_stopped: /.test(l);
    const lines = check.stderr.split("\n").filter((l) => l !== "" && !hostWarning(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`using the bundled rules ${BUNDLED}`);
    expect(lines[0]).toContain("put your rules in /etc/cleanup/rules.yaml");
    // A dry run's JSON stays one document on stdout; the note is on stderr.
    const dry = agent(["--dry-run", "--json", "--state-dir", join(scene.dir, "unused-state")]);
    expect(dry.status).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, configFile: BUNDLED });
    expect(dry.stderr).toContain("using the bundled rules");
    // Chosen with --config: nothing said.
    const chosen = agent(["check", "--config", BUNDLED]).stderr.split("\n");
    expect(chosen.filter((l) => l !== "" && !hostWarning(l))).toEqual([]);
  });

  it("--help tells the commands, the options and every exit code", async () => {
    const run = await scene.runAgent(["--help"]);
    expect(run.code).toBe(0);
    for (const text of ["--dry-run", "--json", "--config", "--state-dir", "check"])
      expect(run.stdout).toContain(text);
    for (const [code, meaning] of EXIT_TABLE)
      expect(run.stdout).toContain(`${String(code).padStart(2)}  ${meaning.slice(0, 30)}`);
  });

  it("--version prints the package version", async () => {
    const run = await scene.runAgent(["--version"]);
    expect(run).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });

  it("an unknown option is a usage error (exit 2)", async () => {
    const run = await scene.runAgent(["--dry-runn"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown option '--dry-runn'");
    expect(run.stderr).toContain("See 'cleanup --help'");
  });
});

describe("cleanup install (under a temporary --root, never the real /etc)", () => {
  let scene: Scene;
  beforeAll(() => {
    scene = new Scene();
  });
  afterAll(() => scene.cleanup());

  it("writes the units and rules, keeps an edited rules.yaml, and --dry-run writes nothing", async () => {
    const root = join(scene.dir, "root");
    const dry = await scene.runAgent(["install", "--root", root, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("dry run, nothing written");
    expect(existsSync(root)).toBe(false);

    const first = await scene.runAgent(["install", "--root", root]);
    expect(first.code).toBe(0);
    const service = readFileSync(join(root, "etc/systemd/system/cleanup.service"), "utf8");
    expect(service).toMatch(
      new RegExp(
        `^ExecStart=.*${CLI.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.* --config /etc/cleanup/rules\\.yaml`,
        "m",
      ),
    );
    expect(existsSync(join(root, "etc/systemd/system/cleanup.timer"))).toBe(true);
    expect(first.stdout).toContain(
      "systemctl daemon-reload && systemctl enable --now cleanup.timer",
    );

    const rules = join(root, "etc/cleanup/rules.yaml");
    writeFileSync(rules, "# mine\nrules: []\n");
    const again = await scene.runAgent(["install", "--root", root]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/rules\.yaml +exists: kept/);
    expect(readFileSync(rules, "utf8")).toBe("# mine\nrules: []\n");

    const cron = await scene.runAgent([
      "install",
      "--cron",
      "--root",
      join(scene.dir, "cron-root"),
    ]);
    expect(cron.code).toBe(0);
    expect(readFileSync(join(scene.dir, "cron-root/etc/cron.d/cleanup"), "utf8")).toMatch(
      /^\*\/30 \* \* \* \* root .*--config \/etc\/cleanup\/rules\.yaml/m,
    );
  });
});
