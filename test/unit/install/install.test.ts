// `cleanup install` against a temp dir as the root: what it writes, what it keeps, and that a dry
// run writes nothing. The package's own files (systemd/, contrib/, rules.yaml) are the inputs.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { applyInstall } from "../../../src/install/apply.js";
import { installCommand } from "../../../src/install/bin-path.js";
import { manPages } from "../../../src/commands/man-pages.js";
import { describeInstall } from "../../../src/install/describe.js";
import {
  MAN_PAGES,
  planInstall,
  SHIPPED_BIN,
  TARGET,
  type InstallOptions,
  type Scheduler,
} from "../../../src/install/install.js";

const PACKAGE = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = "/opt/cleanup-1.2/bin/cleanup";
const shipped = (file: string) => readFileSync(join(PACKAGE, file), "utf8");
// The package's man pages as the build writes them into dist/man/, so these tests need no build.
const PAGES = new Map(
  manPages(shipped("README.md"), "0.0.0-test").map((p) => [
    join(PACKAGE, "dist/man", p.file),
    p.text,
  ]),
);
const page = (target: string) =>
  PAGES.get(join(PACKAGE, MAN_PAGES.find((p) => p.target === target)!.source))!;

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "cleanup-install-"));
  roots.push(root);
  return root;
}

function options(root: string, scheduler: Scheduler = "systemd"): InstallOptions {
  return {
    scheduler,
    root,
    binPath: BIN,
    packageDir: PACKAGE,
    existing: (path) => PAGES.has(path) || existsSync(path),
    read: (path) => PAGES.get(path) ?? readFileSync(path, "utf8"),
  };
}

function install(root: string, scheduler: Scheduler = "systemd", dryRun = false) {
  const results = applyInstall(planInstall(options(root, scheduler)), { dryRun });
  return {
    results,
    text: describeInstall(results, { scheduler, root, dryRun }),
    status: (target: string) => results.find((r) => r.action.path === join(root, target)),
  };
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** Every file under dir, relative, sorted. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length))
    .sort();
}

describe("cleanup install (systemd)", () => {
  it("writes the units with ExecStart = the binary, and rules.yaml from the bundled file", () => {
    const root = tempRoot();
    const { results, text } = install(root);

    expect(results.every((r) => r.status === "done")).toBe(true);
    expect(tree(root)).toEqual([
      TARGET.schema,
      TARGET.rules,
      TARGET.service,
      TARGET.timer,
      TARGET.man1,
      TARGET.man5,
    ]);
    const service = readFileSync(join(root, TARGET.service), "utf8");
    expect(service).toMatch(
      /^ExecStart=\/opt\/cleanup-1\.2\/bin\/cleanup --config \/etc\/cleanup\/rules\.yaml$/m,
    );
    // Nothing else differs from the shipped unit.
    expect(service.replace(BIN, SHIPPED_BIN)).toBe(shipped("systemd/cleanup.service"));
    expect(readFileSync(join(root, TARGET.timer), "utf8")).toBe(shipped("systemd/cleanup.timer"));
    expect(readFileSync(join(root, TARGET.rules), "utf8")).toBe(shipped("rules.yaml"));
    expect(readFileSync(join(root, TARGET.schema), "utf8")).toBe(shipped("rules.schema.json"));
    expect(readFileSync(join(root, TARGET.man1), "utf8")).toBe(page(TARGET.man1));
    expect(readFileSync(join(root, TARGET.man5), "utf8")).toBe(page(TARGET.man5));
    for (const target of [TARGET.rules, TARGET.service, TARGET.timer, TARGET.man1, TARGET.man5])
      expect(modeOf(join(root, target))).toBe(0o644);
    // No temp files left behind.
    expect(readdirSync(join(root, TARGET.unitDir))).toEqual(["cleanup.service", "cleanup.timer"]);

    expect(text).toContain(`wrote        ${join(root, TARGET.service)}`);
    expect(text).toContain("systemctl daemon-reload && systemctl enable --now cleanup.timer");
  });

  it("keeps an existing rules.yaml byte for byte, and says so; unchanged units are left alone", () => {
    const root = tempRoot();
    install(root);
    const rules = join(root, TARGET.rules);
    const edited = `${readFileSync(rules, "utf8")}\n# the operator's own change\n`;
    writeFileSync(rules, edited, { mode: 0o600 });
    const before = statSync(rules);

    const again = install(root);
    expect(again.status(TARGET.rules)).toMatchObject({
      status: "skipped",
      action: { kind: "skip", reason: "exists: kept" },
    });
    expect(readFileSync(rules, "utf8")).toBe(edited);
    expect(statSync(rules)).toMatchObject({
      ino: before.ino,
      mode: before.mode,
      mtimeMs: before.mtimeMs,
    });
    expect(again.status(TARGET.service)).toMatchObject({
      status: "skipped",
      action: { reason: "unchanged" },
    });
    expect(again.text).toMatch(/kept +\S+\/etc\/cleanup\/rules\.yaml +exists: kept/);
  });

  it("replaces a unit that differs (a new binary path), pointing to drop-ins for local changes", () => {
    const root = tempRoot();
    install(root);
    const service = join(root, TARGET.service);
    writeFileSync(service, readFileSync(service, "utf8").replace(BIN, "/old/bin/cleanup"));
    const again = install(root);
    expect(again.status(TARGET.service)).toMatchObject({
      status: "done",
      action: { kind: "write", reason: expect.stringContaining("systemctl edit cleanup.service") },
    });
    expect(readFileSync(service, "utf8")).toContain(`ExecStart=${BIN} `);
  });

  it("--dry-run writes nothing and lists what it would do", () => {
    const root = tempRoot();
    const { results, text } = install(root, "systemd", true);
    expect(readdirSync(root)).toEqual([]);
    expect(results.map((r) => [r.action.kind, r.status])).toEqual([
      ["mkdir", "planned"],
      ["write", "planned"],
      ["write", "planned"],
      ["mkdir", "planned"],
      ["write", "planned"],
      ["write", "planned"],
      ["mkdir", "planned"],
      ["write", "planned"],
      ["mkdir", "planned"],
      ["write", "planned"],
    ]);
    expect(text).toContain("dry run, nothing written");
    expect(text).toContain(`would write  ${join(root, TARGET.service)}`);
    expect(text).toContain(`would write  ${join(root, TARGET.man1)}`);
  });

  it("never replaces a rules.yaml that appears between the plan and the writing", () => {
    const root = tempRoot();
    const actions = planInstall(options(root));
    mkdirSync(join(root, TARGET.configDir), { recursive: true });
    writeFileSync(join(root, TARGET.rules), "mine\n");
    const results = applyInstall(actions, { dryRun: false });
    expect(results.find((r) => r.action.path === join(root, TARGET.rules))).toMatchObject({
      status: "skipped",
      detail: "exists: kept (created while installing)",
    });
    expect(readFileSync(join(root, TARGET.rules), "utf8")).toBe("mine\n");
    expect(readdirSync(join(root, TARGET.configDir)).sort()).toEqual([
      "rules.schema.json",
      "rules.yaml",
    ]);
  });

  it("stops at the first failure and says nothing was enabled", () => {
    const root = tempRoot();
    writeFileSync(join(root, "etc"), "a file where a directory should be");
    const { results, text } = install(root);
    expect(results[0]).toMatchObject({
      status: "failed",
      detail: expect.stringContaining("ENOTDIR"),
    });
    expect(results.slice(1).every((r) => r.status === "not-attempted")).toBe(true);
    expect(text).toContain("Install incomplete");
    expect(text).not.toContain("systemctl enable");
  });

  it("runs the binary with an explicit node when given one", () => {
    const root = tempRoot();
    const actions = planInstall({ ...options(root), node: "/opt/node-20/bin/node" });
    const service = actions.find((a) => a.path === join(root, TARGET.service));
    expect(service).toMatchObject({ kind: "write" });
    expect(service?.kind === "write" && service.content).toMatch(
      /^ExecStart=\/opt\/node-20\/bin\/node \/opt\/cleanup-1\.2\/bin\/cleanup --config /m,
    );
  });

  it("plans the real paths for root /, touching nothing", () => {
    const actions = planInstall({ ...options("/"), existing: (path) => PAGES.has(path) });
    expect(actions.map((a) => `${a.kind} ${a.path}`)).toEqual([
      "mkdir /etc/cleanup",
      "write /etc/cleanup/rules.yaml",
      "write /etc/cleanup/rules.schema.json",
      "mkdir /etc/systemd/system",
      "write /etc/systemd/system/cleanup.service",
      "write /etc/systemd/system/cleanup.timer",
      "mkdir /usr/local/share/man/man1",
      "write /usr/local/share/man/man1/cleanup.1",
      "mkdir /usr/local/share/man/man5",
      "write /usr/local/share/man/man5/cleanup-rules.5",
    ]);
  });

  it("skips the man pages, saying why, in a checkout that was not built", () => {
    const root = tempRoot();
    // A package without dist/man/, whether or not this checkout's is built.
    const unbuilt = (path: string) => !path.startsWith(join(PACKAGE, "dist/")) && existsSync(path);
    const actions = planInstall({ ...options(root), existing: unbuilt });
    expect(actions.filter((a) => a.path.includes("/share/man/"))).toEqual(
      [TARGET.man1, TARGET.man5].map((target) => ({
        kind: "skip",
        path: join(root, target),
        reason: "not in this package's dist/man/ (in a checkout, `npm run build` writes it)",
      })),
    );
  });

  it("replaces a page of another version and leaves an unchanged one alone", () => {
    const root = tempRoot();
    install(root);
    writeFileSync(join(root, TARGET.man1), '.TH CLEANUP 1 "" "cleanup 0.0.1"\n');
    const again = install(root);
    expect(again.status(TARGET.man1)).toMatchObject({
      status: "done",
      action: { reason: "replaced by this version's page" },
    });
    expect(again.status(TARGET.man5)).toMatchObject({
      status: "skipped",
      action: { reason: "unchanged" },
    });
    expect(readFileSync(join(root, TARGET.man1), "utf8")).toBe(page(TARGET.man1));
  });

  it("refuses a binary path that would need quoting in ExecStart or a cron line", () => {
    for (const binPath of ["bin/cleanup", "/opt/my app/cleanup", "/opt/100%/cleanup", "/opt/$x/c"])
      expect(() => planInstall({ ...options("/"), binPath, existing: () => false })).toThrow(
        /must be absolute and made of letters/,
      );
  });
});

describe("cleanup install --cron", () => {
  it("writes /etc/cron.d/cleanup running the binary every 30 minutes as root", () => {
    const root = tempRoot();
    const { results, text } = install(root, "cron");
    expect(results.every((r) => r.status === "done")).toBe(true);
    expect(tree(root)).toEqual([
      TARGET.schema,
      TARGET.rules,
      TARGET.cron,
      TARGET.man1,
      TARGET.man5,
    ]);
    const cron = readFileSync(join(root, TARGET.cron), "utf8");
    expect(cron).toMatch(
      /^\*\/30 \* \* \* \* root \/opt\/cleanup-1\.2\/bin\/cleanup --config \/etc\/cleanup\/rules\.yaml 2>&1 \| logger -t cleanup$/m,
    );
    expect(cron).not.toContain(SHIPPED_BIN);
    expect(cron.replaceAll(BIN, SHIPPED_BIN)).toBe(shipped("contrib/cron.d/cleanup"));
    expect(modeOf(join(root, TARGET.cron))).toBe(0o644);
    expect(readdirSync(join(root, TARGET.cronDir))).toEqual(["cleanup"]);
    expect(text).toContain("cron reads /etc/cron.d/cleanup within a minute");
  });

  it("says so when the systemd timer is installed too, and leaves it alone", () => {
    const root = tempRoot();
    install(root, "systemd");
    const timer = readFileSync(join(root, TARGET.timer), "utf8");
    const { status } = install(root, "cron");
    expect(status(TARGET.timer)).toMatchObject({
      status: "skipped",
      action: { reason: expect.stringContaining("the other scheduler is installed too") },
    });
    expect(readFileSync(join(root, TARGET.timer), "utf8")).toBe(timer);
  });
});

describe("installCommand", () => {
  const fs = (executables: Record<string, string>) => ({
    executable: (path: string) => executables[path] ?? null,
  });

  it("runs the script itself when `env node` under the service PATH finds this node", () => {
    expect(
      installCommand(
        "/usr/local/bin/cleanup",
        "/usr/bin/node",
        fs({
          "/usr/bin/node": "/usr/bin/node",
          "/usr/local/bin/cleanup": "/usr/local/lib/node_modules/cleanup/dist/cli.js",
        }),
      ),
    ).toEqual({ binPath: "/usr/local/bin/cleanup" });
  });

  it("names this node when the service PATH has none or another one first", () => {
    const nvm = "/root/.nvm/versions/node/v20.20.2/bin/node";
    const script = "/root/.nvm/versions/node/v20.20.2/bin/cleanup";
    expect(installCommand(script, nvm, fs({ [nvm]: nvm, [script]: script }))).toEqual({
      binPath: script,
      node: nvm,
    });
    expect(
      installCommand(
        script,
        nvm,
        fs({ [nvm]: nvm, [script]: script, "/usr/local/bin/node": "/usr/local/bin/node" }),
      ),
    ).toEqual({ binPath: script, node: nvm });
  });

  it("names node when the script is not executable", () => {
    expect(
      installCommand(
        "/srv/cleanup/dist/cli.js",
        "/usr/bin/node",
        fs({ "/usr/bin/node": "/usr/bin/node" }),
      ),
    ).toEqual({ binPath: "/srv/cleanup/dist/cli.js", node: "/usr/bin/node" });
  });
});
