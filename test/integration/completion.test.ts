// `cleanup completion bash|zsh|fish` from the built CLI, run in the real shells. bash: the script
// sourced in `bash --norc`, COMP_WORDS/COMP_CWORD set as readline would, the completion function
// called and COMPREPLY read. fish: `complete -C` completes a command line without a terminal.
// zsh: completion functions run only inside a completion widget, so an interactive zsh is driven
// through a pseudo-terminal (zsh/zpty): the line typed, a tab, and what compadd was given read
// back; the script is also checked by `zsh -n`, compinit, and its structure. What each shell
// should offer comes from the command table itself.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SHELLS } from "../../src/commands/completion-scripts.js";
import type { CommandSpec } from "../../src/commands/spec.js";
import { COMMANDS } from "../../src/commands/table.js";
import { CLI } from "../helpers/scene.js";

const TABLE = COMMANDS as readonly CommandSpec[];
const work = mkdtempSync(join(tmpdir(), "cleanup-completion-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The script the CLI prints for a shell, saved where the shell can source it. */
function script(shell: string): string {
  const run = spawnSync(process.execPath, [CLI, "completion", shell], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  const path = join(work, `cleanup.${shell}`);
  writeFileSync(path, run.stdout);
  return path;
}

const spec = (words: string[]) => TABLE.find((c) => c.words.join(" ") === words.join(" "))!;
const longOptions = (words: string[]) => spec(words).options.map((o) => `--${o.name}`);
const firstWords = [...new Set(TABLE.flatMap((c) => c.words.slice(0, 1)))];

// Files to complete: a rules file, and a directory next to it that is the only directory.
const files = join(work, "files");
mkdirSync(join(files, "rules-dir"), { recursive: true });
writeFileSync(join(files, "rules-file.yaml"), "");

describe("cleanup completion", () => {
  it("refuses a shell it does not know, and needs one", () => {
    for (const args of [["completion"], ["completion", "tcsh"], ["completion", "bash", "zsh"]]) {
      const run = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain("cleanup completion needs one shell: bash, zsh, fish");
    }
    expect(SHELLS).toEqual(["bash", "zsh", "fish"]);
  });
});

describe("bash", () => {
  const path = script("bash");

  /** COMPREPLY for the words after `cleanup`, the last one being completed. */
  function complete(...words: string[]): string[] {
    const run = spawnSync(
      "bash",
      [
        "--norc",
        "--noprofile",
        "-c",
        'source "$1"; shift; COMP_WORDS=(cleanup "$@"); COMP_CWORD=$#; _cleanup; printf "%s\\n" "${COMPREPLY[@]}"',
        "bash",
        path,
        ...words,
      ],
      { encoding: "utf8" },
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    return run.stdout.split("\n").filter((line) => line !== "");
  }

  it("registers _cleanup for cleanup", () => {
    const run = spawnSync(
      "bash",
      ["--norc", "--noprofile", "-c", `source "$1"; complete -p cleanup`, "bash", path],
      {
        encoding: "utf8",
      },
    );
    expect(run.stdout).toBe("complete -F _cleanup cleanup\n");
  });

  it.each([
    ["cleanup p", ["p"], ["port"]],
    ["cleanup ", [""], firstWords],
    ["cleanup --format ", ["--format", ""], ["text", "json", "nagios"]],
    ["cleanup --format=n", ["--format", "=", "n"], ["nagios"]],
    ["cleanup alert ", ["alert", ""], ["test"]],
    ["cleanup alert test --s", ["alert", "test", "--s"], ["--sink"]],
    ["cleanup completion ", ["completion", ""], ["bash", "zsh", "fish"]],
    ["cleanup --dry-run --st", ["--dry-run", "--st"], ["--state-dir"]],
    ["cleanup daemon --schedule ", ["daemon", "--schedule", ""], []],
    ["cleanup --dry-run st", ["--dry-run", "st"], []],
  ])("%s → its words", (_line, words, expected) => {
    expect(complete(...words)).toEqual(expected);
  });

  it.each(TABLE.filter((c) => c.words.length > 0).map((c) => [c.words.join(" "), c] as const))(
    "cleanup %s … -- → that command's long options, in the table's order",
    (_name, command) => {
      const words = [...command.words, ...(command.positionals ?? []).map(() => "9091"), "--"];
      expect(complete(...words)).toEqual(longOptions([...command.words]));
    },
  );

  it("cleanup port 9091 -- → port's options; the default command's are its own", () => {
    expect(complete("port", "9091", "--")).toEqual(longOptions(["port"]));
    expect(complete("--")).toEqual(longOptions([]));
    expect(complete("-")).toContain("-n");
  });

  it("files for FILE and PATH values, directories only for DIR", () => {
    expect(complete("--config", `${files}/rules-`)).toEqual([
      `${files}/rules-dir`,
      `${files}/rules-file.yaml`,
    ]);
    expect(complete("install", "--bin", `${files}/rules-f`)).toEqual([`${files}/rules-file.yaml`]);
    expect(complete("install", "--root", `${files}/rules-`)).toEqual([`${files}/rules-dir`]);
    expect(complete("status", "--state-dir", `${files}/r`)).toEqual([`${files}/rules-dir`]);
  });
});

describe.skipIf(!existsSync("/usr/bin/fish"))(
  `fish${existsSync("/usr/bin/fish") ? "" : " — skipped: fish is not installed"}`,
  () => {
    const path = script("fish");

    /** What fish offers for a command line (the words only, without descriptions). */
    function complete(line: string): string[] {
      const run = spawnSync(
        "fish",
        ["--no-config", "-c", "source $argv[1]; complete -C$argv[2]", path, line],
        { encoding: "utf8" },
      );
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      return run.stdout
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => l.split("\t")[0]!);
    }

    it("parses (fish -n)", () => {
      expect(spawnSync("fish", ["-n", path], { encoding: "utf8" })).toMatchObject({
        status: 0,
        stderr: "",
      });
    });

    it.each([
      ["cleanup p", ["port"]],
      ["cleanup --format ", ["json", "nagios", "text"]],
      ["cleanup alert ", ["test"]],
      ["cleanup completion ", ["bash", "fish", "zsh"]],
    ])("%s → its words", (line, expected) => {
      expect(complete(line).sort()).toEqual(expected);
    });

    it("cleanup port 9091 -- → port's long options; a first word → every command", () => {
      expect(complete("cleanup port 9091 --").sort()).toEqual(longOptions(["port"]).sort());
      expect(complete("cleanup ").sort()).toEqual([...firstWords].sort());
    });

    it("files for --config, directories only for --root", () => {
      expect(complete(`cleanup --config ${files}/rules-`).sort()).toEqual([
        `${files}/rules-dir/`,
        `${files}/rules-file.yaml`,
      ]);
      expect(complete(`cleanup install --root ${files}/rules-`)).toEqual([`${files}/rules-dir/`]);
    });
  },
);

/**
 * Drives `zsh -f -i` in a pty: compinit, the script, a compadd that also prints what it adds
 * (between markers built at run time, so the echoed input never matches), then the line and a
 * tab. $1 the script, $2 the line; prints the words offered.
 */
const ZSH_DRIVER = `zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z 'PS1=""; autoload -Uz compinit; compinit -u -D'
zpty -w z "source \${(q)1}"
zpty -w z 'compadd() { if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return; fi; local -a hits; builtin compadd -A hits "$@"; local m=QZ; print -rn -- "\${m}B\${(j: :)hits}\${m}E"; builtin compadd "$@"; }'
zpty -w z 'zstyle ":completion:*" menu no; bindkey "^I" complete-word; print -r -- "\${:-QZ}READY"'
local out all=""
while zpty -r -t z out || sleep 0.05; do all+=$out; [[ $all == *QZREADY* ]] && break; (( SECONDS > 30 )) && exit 4; done
all=""
zpty -w -n z "$2"$'\\t'
while zpty -r -t z out || sleep 0.05; do all+=$out; [[ $all == *QZE* ]] && break; (( SECONDS > 30 )) && exit 5; done
sleep 0.3; while zpty -r -t z out; do all+=$out; done
print -r -- \${(j: :)\${(M)\${(s:QZB:)all}:#*QZE*}%%QZE*}
zpty -d z
`;

describe.skipIf(!existsSync("/usr/bin/zsh"))(
  `zsh${existsSync("/usr/bin/zsh") ? "" : " — skipped: zsh is not installed"}`,
  () => {
    const path = script("zsh");
    // -f: no startup files; HOME and ZDOTDIR a temp dir, so compinit writes no dump of ours.
    const home = mkdtempSync(join(work, "zdot-"));
    const zsh = (command: string) =>
      spawnSync("zsh", ["-f", "-c", command, "zsh", path], {
        encoding: "utf8",
        env: { ...process.env, ZDOTDIR: home, HOME: home },
      });

    it("parses (zsh -n) and registers _cleanup for cleanup with compinit", () => {
      expect(zsh('zsh -n "$1"')).toMatchObject({ status: 0, stderr: "" });
      const run = zsh(
        'autoload -Uz compinit && compinit -u -D && source "$1" && print -r -- "$_comps[cleanup]"',
      );
      expect(run.stderr).toBe("");
      expect(run.stdout).toBe("_cleanup\n");
    });

    /** The words zsh offers for a command line, once each. */
    function complete(line: string): string[] {
      const driver = join(home, "drive.zsh");
      writeFileSync(driver, ZSH_DRIVER);
      const run = spawnSync("zsh", ["-f", driver, path, line], {
        encoding: "utf8",
        env: { ...process.env, ZDOTDIR: home, HOME: home },
        timeout: 60_000,
      });
      expect(run.status, run.stderr).toBe(0);
      return [
        ...new Set(
          run.stdout
            .replaceAll("\r", "")
            .split(/\s+/)
            .filter((w) => w !== ""),
        ),
      ];
    }

    it.each([
      ["cleanup p", ["port"]],
      ["cleanup --format ", ["text", "json", "nagios"]],
      ["cleanup alert ", ["test"]],
      ["cleanup completion ", ["bash", "zsh", "fish"]],
      ["cleanup port 9091 --", longOptions(["port"])],
      ["cleanup --", longOptions([])],
    ])(
      "%s → its words (typed in an interactive zsh, then a tab)",
      (line, expected) => {
        expect(complete(line)).toEqual(expected);
      },
      60_000,
    );

    it("directories only for --root", () => {
      expect(complete(`cleanup install --root ${files}/rules-`)).toEqual(["rules-dir"]);
    }, 60_000);

    it("gives every command its words and every option its _arguments spec", () => {
      const text = readFileSync(path, "utf8");
      for (const command of TABLE.filter((c) => c.words.length > 0)) {
        const tests = command.words.map((w, k) => `[[ $words[${k + 2}] == ${w} ]]`).join(" && ");
        expect(text).toContain(tests);
      }
      for (const command of TABLE)
        for (const option of command.options) {
          const spec = option.short
            ? `'(-${option.short} --${option.name})'{-${option.short},--${option.name}}'[`
            : `'--${option.name}[`;
          expect(text).toContain(spec);
        }
      expect(text).toContain("'--format[text (default), json]:format:(text json nagios)'");
      expect(text).toContain("'(-c --config)'{-c,--config}'[rules file]:config:_files'");
      expect(text).toContain("'--root[stage everything under DIR instead of /]:root:_files -/'");
      expect(text).toContain("'1:completion:(bash zsh fish)'");
    });
  },
);
