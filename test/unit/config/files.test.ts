import { describe, expect, it } from "vitest";
import { ConfigError, formatProblem } from "../../../src/config/errors.js";
import { parseConfig } from "../../../src/config/load.js";

const FILE = "rules.yaml";

/** One YAML line per argument, after `rules: []`: line N of the file is argument N - 1. */
function yaml(...lines: string[]): string {
  return `rules: []\n${lines.join("\n")}\n`;
}

function problems(text: string): string[] {
  try {
    parseConfig(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map(formatProblem);
  }
  throw new Error("the config was accepted");
}

const REMOVE_OK = ["    no_holder: true", "    older_than: 1d", "    action: remove"];

describe("files: a valid section", () => {
  it("normalises a rule and fills in the defaults", () => {
    const config = parseConfig(
      yaml(
        "files:",
        "  - name: shm",
        "    paths: [/dev/shm/psm_*]",
        "  - name: torch",
        "    description: PyTorch tensors of dead DataLoader workers",
        "    paths: [/dev/shm/torch_<pid>_*, /tmp/torch_<pid>]",
        "    kind: any",
        "    older_than: 1h30m",
        "    owner: [alice, 1000]",
        "    size_over: 1MiB",
        "    no_holder: true",
        "    creator_gone: true",
        "    action: remove",
        "    severity: critical",
        "    max_files: 7",
        "    max_bytes: 2GiB",
        "  - name: off",
        "    enabled: false",
        "    paths: [/tmp/x]",
        "  - name: loud",
        "    paths: [/tmp/pymp-*]",
        "    kind: dir",
        "    action: alert",
      ),
      FILE,
    );
    expect(config.files.map((r) => r.name)).toEqual(["shm", "torch", "loud"]);
    const [shm, torch, loud] = config.files;
    expect(shm).toMatchObject({
      index: 0,
      kind: "file",
      conditions: {},
      action: "report",
      severity: "info",
      maxFiles: 100,
      maxBytes: null,
    });
    expect(shm?.description).toBeUndefined();
    expect(shm?.paths.map((p) => [p.dir, p.name])).toEqual([["/dev/shm", "psm_*"]]);
    expect(torch).toMatchObject({
      index: 1,
      description: "PyTorch tensors of dead DataLoader workers",
      kind: "any",
      conditions: {
        olderThanMs: 5_400_000,
        owner: ["alice", 1000],
        sizeOver: { bytes: 2 ** 20, text: "1MiB" },
        noHolder: true,
        creatorGone: true,
      },
      action: "remove",
      severity: "critical",
      maxFiles: 7,
      maxBytes: 2 * 2 ** 30,
    });
    expect(torch?.paths.map((p) => p.match("torch_42_x"))).toEqual([{ pid: 42 }, null]);
    expect(loud).toMatchObject({ index: 3, kind: "dir", action: "alert", severity: "warning" });
  });

  it("has no file rules without the section, and the default file budgets", () => {
    const config = parseConfig("rules: []\n", FILE);
    expect(config.files).toEqual([]);
    expect(config.settings).toMatchObject({
      maxFilesPerRule: 100,
      maxFilesPerRun: 500,
      maxFileBytesPerRun: null,
    });
  });

  it("takes a file with only `files:` (no `rules:` key): no process rules", () => {
    const config = parseConfig(
      "files:\n  - { name: shm, paths: [/dev/shm/psm_*], action: report }\n",
      FILE,
    );
    expect(config.rules).toEqual([]);
    expect(config.files.map((f) => f.name)).toEqual(["shm"]);
  });

  it("takes the budgets from settings: a rule's default max_files, the run's", () => {
    const config = parseConfig(
      "settings:\n  max_files_per_rule: 3\n  max_files_per_run: 9\n  max_file_bytes_per_run: 1GB\n" +
        yaml("files:", "  - name: a", "    paths: [/dev/shm/psm_*]", ...REMOVE_OK).replace(
          "rules: []\n",
          "",
        ) +
        "rules: []\n",
      FILE,
    );
    expect(config.settings).toMatchObject({
      maxFilesPerRule: 3,
      maxFilesPerRun: 9,
      maxFileBytesPerRun: 1e9,
    });
    expect(config.files[0]).toMatchObject({ maxFiles: 3, maxBytes: null });
  });

  it("accepts owner as one name or uid", () => {
    const config = parseConfig(
      yaml("files:", "  - name: a", "    paths: [/tmp/x]", "    owner: 0"),
      FILE,
    );
    expect(config.files[0]?.conditions.owner).toEqual([0]);
  });
});

describe("files: errors name the file, line, key and value", () => {
  it.each([
    [
      "a glob in the directory",
      ["files:", "  - name: a", "    paths: [/dev/sh*/psm_*]"],
      "rules.yaml:4:13 files[0].paths[0]: glob in the directory part /dev/sh* (got /dev/sh*/psm_*, expected a literal directory, the glob only in the last component)",
    ],
    [
      "a relative path",
      ["files:", "  - name: a", "    paths:", "      - shm/psm_*"],
      "rules.yaml:5:9 files[0].paths[0]: not an absolute path (got shm/psm_*, expected an absolute path like /dev/shm/psm_*: a literal directory, then a name with * ? [..] or <pid>)",
    ],
    [
      "'..'",
      ["files:", "  - name: a", "    paths: [/dev/shm/../etc/x]"],
      "rules.yaml:4:13 files[0].paths[0]: '..' component: the path would leave its directory (got /dev/shm/../etc/x, expected a normalised path)",
    ],
    [
      "an ambiguous <pid>",
      ["files:", "  - name: a", "    paths: [/dev/shm/x, '/dev/shm/*_<pid>']"],
      "rules.yaml:4:25 files[0].paths[1]: a '*' before <pid> makes the pid ambiguous (got '/dev/shm/*_<pid>', expected only literal characters, ? or [..] before <pid>)",
    ],
    [
      "no paths",
      ["files:", "  - name: a", "    paths: []"],
      "rules.yaml:4:12 files[0].paths: empty (got a list, expected at least one path, an absolute path like /dev/shm/psm_*: a literal directory, then a name with * ? [..] or <pid>)",
    ],
    [
      "paths missing",
      ["files:", "  - name: a"],
      "rules.yaml:3:5 files[0].paths: missing (got nothing, expected a list of paths, each an absolute path like /dev/shm/psm_*: a literal directory, then a name with * ? [..] or <pid>)",
    ],
    [
      "a bad name",
      ["files:", "  - name: -a", "    paths: [/tmp/x]"],
      "rules.yaml:3:11 files[0].name: invalid name (got -a, expected letters, digits, '-', '_' or '.')",
    ],
    [
      "an unknown kind",
      ["files:", "  - name: a", "    paths: [/tmp/x]", "    kind: socket"],
      "rules.yaml:5:11 files[0].kind: unknown kind (got socket, expected file, dir or any)",
    ],
    [
      "an unknown action",
      ["files:", "  - name: a", "    paths: [/tmp/x]", "    action: kill"],
      "rules.yaml:5:13 files[0].action: unknown action (got kill, expected report, alert or remove)",
    ],
    [
      "an unknown severity",
      ["files:", "  - name: a", "    paths: [/tmp/x]", "    severity: high"],
      "rules.yaml:5:15 files[0].severity: unknown severity (got high, expected info, warning or critical)",
    ],
    [
      "a wrong owner",
      ["files:", "  - name: a", "    paths: [/tmp/x]", "    owner: true"],
      "rules.yaml:5:12 files[0].owner: wrong type (got true, expected a user name or uid, or a list of them)",
    ],
    [
      "a bad duration",
      ["files:", "  - name: a", "    paths: [/tmp/x]", "    older_than: soon"],
      "rules.yaml:5:17 files[0].older_than: not a duration (got soon, expected a duration like 90s, 30m, 6h, 1d or 1h30m)",
    ],
    [
      "a bad size",
      ["files:", "  - name: a", "    paths: [/tmp/x]", "    size_over: big"],
      "rules.yaml:5:16 files[0].size_over: not a size (got big, expected a size like 500MB, 512MiB or 2GiB)",
    ],
    [
      "no_holder: false",
      ["files:", "  - name: a", "    paths: [/tmp/x]", "    no_holder: false"],
      "rules.yaml:5:16 files[0].no_holder: false is the same as leaving the key out (got false, expected true (no process holds it) or no key)",
    ],
    [
      "creator_gone: yes",
      ["files:", "  - name: a", "    paths: [/tmp/x_<pid>]", "    creator_gone: 'yes'"],
      "rules.yaml:5:19 files[0].creator_gone: wrong type (got 'yes', expected true (the creator named by <pid> is not running))",
    ],
    [
      "an unknown key",
      ["files:", "  - name: a", "    paths: [/tmp/x]", "    older_thn: 1d"],
      "rules.yaml:5:5 files[0].older_thn: unknown key, did you mean 'older_than'? (expected one of name, description, enabled, paths, kind, older_than, owner, size_over, no_holder, creator_gone, action, severity, max_files, max_bytes)",
    ],
    [
      "not a list",
      ["files:", "  name: a"],
      "rules.yaml:3:3 files: wrong type (got a mapping, expected a list of file rules)",
    ],
    [
      "a duplicate name",
      ["files:", "  - name: a", "    paths: [/tmp/x]", "  - name: a", "    paths: [/tmp/y]"],
      "rules.yaml:5:11 files[1].name: duplicate file rule name (first used by files[0]) (got a, expected a unique name)",
    ],
    [
      "creator_gone without <pid> in every path",
      [
        "files:",
        "  - name: a",
        "    paths: [/dev/shm/torch_<pid>_*, /tmp/pymp-*]",
        "    creator_gone: true",
      ],
      "rules.yaml:5:19 files[0].creator_gone: needs the creator's pid in every path, but /tmp/pymp-* has no <pid> (got true, expected <pid> in each path (e.g. /dev/shm/torch_<pid>_*), or no creator_gone)",
    ],
    [
      "max_files on a report rule",
      ["files:", "  - name: a", "    paths: [/tmp/x]", "    max_files: 3"],
      "rules.yaml:5:16 files[0].max_files: only used by remove rules (got 3, expected no 'max_files' with action report)",
    ],
    [
      "max_bytes on an alert rule",
      ["files:", "  - name: a", "    paths: [/tmp/x]", "    action: alert", "    max_bytes: 1GB"],
      "rules.yaml:6:16 files[0].max_bytes: only used by remove rules (got 1GB, expected no 'max_bytes' with action alert)",
    ],
    [
      "a zero budget",
      ["files:", "  - name: a", "    paths: [/tmp/x]", ...REMOVE_OK, "    max_files: 0"],
      "rules.yaml:8:16 files[0].max_files: too small (got 0, expected at least 1 (the most files this rule may remove in one run))",
    ],
  ])("%s", (_what, lines, expected) => {
    expect(problems(yaml(...lines))).toEqual([expected]);
  });

  it("remove without no_holder: a held file is in use", () => {
    expect(
      problems(
        yaml(
          "files:",
          "  - name: a",
          "    paths: [/tmp/x]",
          "    older_than: 1d",
          "    action: remove",
        ),
      ),
    ).toEqual([
      "rules.yaml:6:13 files[0].action: remove needs no_holder: a file a process holds open or mapped is in use, and unlinking it frees nothing while it is held (got remove, expected no_holder: true with action remove)",
    ]);
  });

  it("remove without older_than: the age floor, and why", () => {
    expect(
      problems(
        yaml(
          "files:",
          "  - name: a",
          "    paths: [/tmp/x]",
          "    no_holder: true",
          "    action: remove",
        ),
      ),
    ).toEqual([
      "rules.yaml:6:13 files[0].action: remove needs older_than: a semaphore or segment no process holds right now may still be opened by name later (sem_open, shm_open) by the pool that made it, so only files past an age floor are removed (got remove, expected older_than (e.g. 1d) with action remove)",
    ]);
  });

  it("remove with neither: both problems in one pass", () => {
    expect(
      problems(yaml("files:", "  - name: a", "    paths: [/tmp/x]", "    action: remove")),
    ).toHaveLength(2);
  });

  it("remove with a name glob of wildcards only", () => {
    expect(
      problems(
        yaml("files:", "  - name: a", "    paths: [/dev/shm/x, '/dev/shm/*']", ...REMOVE_OK),
      ),
    ).toEqual([
      "rules.yaml:4:25 files[0].paths[1]: matches every name in /dev/shm, so it says nothing about what the leftovers are (got '/dev/shm/*', expected a name with literal characters, e.g. /dev/shm/psm_*)",
    ]);
    // Reporting every name in a directory is fine.
    expect(
      parseConfig(yaml("files:", "  - name: a", "    paths: ['/dev/shm/*']"), FILE).files,
    ).toHaveLength(1);
  });

  it("a bad settings budget", () => {
    expect(problems("settings:\n  max_file_bytes_per_run: lots\nrules: []\n")).toEqual([
      "rules.yaml:2:27 settings.max_file_bytes_per_run: not a size (got lots, expected a size like 500MB, 512MiB or 2GiB)",
    ]);
    expect(problems("settings:\n  max_files_per_run: 0\nrules: []\n")).toEqual([
      "rules.yaml:2:22 settings.max_files_per_run: too small (got 0, expected at least 1 (the most files one run may remove))",
    ]);
  });
});
