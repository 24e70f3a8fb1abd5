// Presets: each signature against the argv its framework really writes (and what it must not
// take), the expansion ANDed with the rule's own keys, what `check` rejects, and the README's
// "Presets" table against the registry.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError, formatProblem } from "../../../src/config/errors.js";
import { parseConfig } from "../../../src/config/load.js";
import { compilePattern } from "../../../src/config/pattern.js";
import { PRESET_SPECS, presetOf } from "../../../src/config/presets/registry.js";
import type { Rule } from "../../../src/config/types.js";

const README = fileURLToPath(new URL("../../../README.md", import.meta.url));

function rulesOf(match: string, action = "kill"): Rule[] {
  return parseConfig(
    `rules:\n  - name: r\n    match: ${match}\n    action: ${action}\n`,
    "rules.yaml",
  ).rules;
}

function problems(match: string, action = "kill"): string[] {
  try {
    rulesOf(match, action);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error("expected a ConfigError");
}

function signature(name: string): (argv: string) => boolean {
  const cmdline = presetOf(name)?.match.cmdline;
  if (cmdline === undefined) throw new Error(`${name} has no cmdline`);
  const pattern = compilePattern(cmdline);
  return (argv) => pattern.test(argv);
}

describe("preset signatures: the argv each framework writes", () => {
  const py = "/usr/bin/python3";
  it("python-multiprocessing: spawn, forkserver, resource tracker; not the program", () => {
    const s = signature("python-multiprocessing");
    expect(
      s(
        `${py} -c from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=7) --multiprocessing-fork`,
      ),
    ).toBe(true);
    expect(s(`${py} -I -c from multiprocessing.spawn import spawn_main; spawn_main(…)`)).toBe(true);
    expect(
      s(
        `${py} -c from multiprocessing.forkserver import main; main(5, 6, ['__main__'], **{'sys_path': []})`,
      ),
    ).toBe(true);
    expect(s(`${py} -c from multiprocessing.resource_tracker import main;main(4)`)).toBe(true);
    expect(s(`${py} -m app.worker`)).toBe(false);
    expect(s(`${py} pool.py --note 'from multiprocessing.spawn import spawn_main'`)).toBe(false);
  });

  it("joblib-loky: loky workers and its resource tracker", () => {
    const s = signature("joblib-loky");
    expect(
      s(
        `${py} -m joblib.externals.loky.backend.popen_loky_posix --process-name LokyProcess-1 --pipe 12`,
      ),
    ).toBe(true);
    expect(s(`${py} -m loky.backend.popen_loky_posix --process-name LokyProcess-2 --pipe 9`)).toBe(
      true,
    );
    expect(
      s(`${py} -c from joblib.externals.loky.backend.resource_tracker import main; main(7, 0)`),
    ).toBe(true);
    expect(s(`${py} train.py`)).toBe(false);
  });

  it("torch-shm-manager: libshm's bare argv, or a path", () => {
    const s = signature("torch-shm-manager");
    expect(s("torch_shm_manager")).toBe(true);
    expect(s("/venv/lib/python3.11/site-packages/torch/bin/torch_shm_manager")).toBe(true);
    expect(s("python torch_shm_manager_test.py")).toBe(false);
  });

  it("gunicorn-worker: the worker's title, never the master's", () => {
    const s = signature("gunicorn-worker");
    expect(s("gunicorn: worker [app:application]")).toBe(true);
    expect(s("gunicorn: master [app:application]")).toBe(false);
    expect(s(`${py} /usr/bin/gunicorn app:application`)).toBe(false);
  });

  it("uvicorn-worker: spawn children, not the supervisor", () => {
    const s = signature("uvicorn-worker");
    expect(
      s(
        `${py} -c from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=7) --multiprocessing-fork`,
      ),
    ).toBe(true);
    expect(s(`${py} -m uvicorn app:app --workers 2`)).toBe(false);
  });

  it("celery-prefork: pool children's titles, never the main process's", () => {
    const s = signature("celery-prefork");
    expect(s("[celeryd: celery@host:ForkPoolWorker-1]")).toBe(true);
    expect(s("[celeryd: celery@host:ForkPoolWorker-12]")).toBe(true);
    expect(s("[celeryd: celery@host:MainProcess] -active- (-A proj worker)")).toBe(false);
    expect(s(`${py} /usr/bin/celery -A proj worker`)).toBe(false);
  });

  it("chromium-renderer: --type= children, not the browser or crashpad", () => {
    const s = signature("chromium-renderer");
    for (const type of ["renderer", "zygote", "gpu-process", "utility"])
      expect(s(`/usr/lib/chromium/chromium --type=${type} --lang=en-US`)).toBe(true);
    expect(s("/usr/lib/chromium/chromium --type=zygote")).toBe(true);
    expect(s("/usr/lib/chromium/chromium --headless --remote-debugging-port=9222")).toBe(false);
    expect(s("/usr/lib/chromium/chrome_crashpad_handler --monitor-self --database=/tmp/x")).toBe(
      false,
    );
    expect(s("/usr/lib/chromium/chromium --type=renderers")).toBe(false);
  });

  it("the fork presets have no signature: the rule names the command line", () => {
    for (const name of ["python-fork-pool", "pytorch-dataloader", "node-fork"]) {
      const p = presetOf(name)!;
      expect(p.needsCmdline).toBe(true);
      expect(p.match.cmdline).toBeUndefined();
      expect(p.match).toMatchObject({
        orphaned: true,
        group_leader: "gone",
        session_leader: ["alive", "gone"],
      });
    }
  });

  it("every preset that may kill says orphaned: true, and a signature or a needed cmdline", () => {
    for (const p of PRESET_SPECS) {
      expect(p.match.orphaned, p.name).toBe(true);
      expect(p.match.cmdline !== undefined || p.needsCmdline === true, p.name).toBe(true);
    }
  });
});

describe("expansion: the preset ANDed with the rule's own keys", () => {
  it("a preset alone is a kill rule's selector and conditions", () => {
    const [rule] = rulesOf("{ preset: python-multiprocessing }");
    expect(rule!.selector.cmdline!.source).toBe(presetOf("python-multiprocessing")!.match.cmdline);
    expect(rule!.conditions).toEqual({ orphaned: true });
  });

  it("the rule's cmdline and the preset's must both match, and the fact names both", () => {
    const [rule] = rulesOf("{ preset: python-multiprocessing, cmdline: '^/opt/tok/python ' }");
    const p = rule!.selector.cmdline!;
    const spawn =
      " -c from multiprocessing.spawn import spawn_main; spawn_main(pipe_handle=7) --multiprocessing-fork";
    expect(p.test(`/opt/tok/python${spawn}`)).toBe(true);
    expect(p.test(`/usr/bin/python3${spawn}`)).toBe(false); // the rule's own fails
    expect(p.test("/opt/tok/python -m app")).toBe(false); // the preset's fails
    expect(p.source).toMatch(
      /^\^\/opt\/tok\/python \/ and preset python-multiprocessing's \/ -c from/,
    );
  });

  it("conditions: list values intersect, the longer age wins, the rule's own are kept", () => {
    const [rule] = rulesOf(
      "{ preset: python-fork-pool, cmdline: 'app\\.worker', session_leader: [gone, self], older_than: 1h, state: [S, R] }",
    );
    expect(rule!.conditions).toEqual({
      orphaned: true,
      groupLeader: ["gone"],
      sessionLeader: ["gone"],
      olderThanMs: 3_600_000,
      state: ["S", "R"],
    });
  });

  it("a list of presets: all of them hold", () => {
    const [rule] = rulesOf("{ preset: [python-multiprocessing, uvicorn-worker] }");
    const p = rule!.selector.cmdline!;
    expect(p.test("py -c from multiprocessing.spawn import spawn_main; spawn_main()")).toBe(true);
    expect(p.test("py -c from multiprocessing.resource_tracker import main;main(4)")).toBe(false);
    expect(rule!.conditions).toEqual({ orphaned: true, groupLeader: ["gone"] });
  });

  it("alert and report rules may use torch-shm-manager", () => {
    expect(rulesOf("{ preset: torch-shm-manager }", "alert")).toHaveLength(1);
  });
});

describe("check: what it rejects about presets", () => {
  it("an unknown preset, with did you mean, its line and key", () => {
    const [p, ...rest] = problems("{ preset: pyhton-multiprocessing }").filter((m) =>
      m.includes(".preset"),
    );
    expect(rest).toEqual([]);
    expect(p).toMatch(
      /^rules\.yaml:3:22 rules\[0\]\.match\.preset: unknown preset 'pyhton-multiprocessing', did you mean 'python-multiprocessing'\? \(got pyhton-multiprocessing, expected a preset name/,
    );
  });

  it("an unknown name in a list", () => {
    expect(problems("{ preset: [python-multiprocessing, joblib-lokky] }").join("\n")).toMatch(
      /unknown preset 'joblib-lokky', did you mean 'joblib-loky'\?/,
    );
  });

  it("a fork preset without the rule's own cmdline", () => {
    for (const name of ["python-fork-pool", "pytorch-dataloader", "node-fork"]) {
      const all = problems(`{ preset: ${name}, user: app }`);
      expect(all).toHaveLength(1);
      expect(all[0]).toMatch(
        new RegExp(
          `rules\\[0\\]\\.match\\.preset: preset ${name} recognises no argv of its own .*expected also cmdline`,
        ),
      );
    }
  });

  it("a rule value that contradicts the preset's", () => {
    expect(problems("{ preset: gunicorn-worker, group_leader: self }")).toEqual([
      expect.stringMatching(
        /rules\[0\]\.match\.group_leader: contradicts preset gunicorn-worker, which needs group_leader: gone .*\(got self/,
      ),
    ]);
    expect(problems("{ preset: chromium-renderer, orphaned: false }")[0]).toMatch(
      /match\.orphaned: contradicts preset chromium-renderer, which needs orphaned: true/,
    );
  });

  it("torch-shm-manager in a kill rule", () => {
    expect(problems("{ preset: torch-shm-manager }")[0]).toMatch(
      /match\.preset: preset torch-shm-manager cannot tell a leftover from a live instance .*expected action alert or report/,
    );
  });

  it("a preset in protect or a service's match is an unknown key", () => {
    expect(() =>
      parseConfig("protect:\n  - preset: python-multiprocessing\nrules: []\n", "rules.yaml"),
    ).toThrow(/protect\[0\]\.preset: unknown key/);
  });
});

/** The rows of README's `| preset | catches | recognises | why never a live instance |` table. */
function documentedPresets(): string[][] {
  const lines = readFileSync(README, "utf8").split("\n");
  const head = lines.findIndex((l) => /^\|\s*preset\s*\|\s*catches\s*\|/.test(l));
  expect(head).toBeGreaterThan(0);
  const rows: string[][] = [];
  for (const line of lines.slice(head + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .slice(1, -1)
        .split(" | ")
        .map((c) => c.trim()),
    );
  }
  return rows;
}

describe("README's Presets table", () => {
  it("documents exactly the registry's presets, in its order, with their words", () => {
    const expected = PRESET_SPECS.map((p) => [`\`${p.name}\``, p.summary, p.recognises, p.safety]);
    expect(documentedPresets()).toEqual(expected);
  });
});
