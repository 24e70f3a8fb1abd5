// The shipped /etc/cron.d line, parsed; and Debian's real cron daemon running a job from
// /etc/cron.d: a dry run (--dry-run: nothing is signalled) of a config whose one rule matches
// only a process this test starts, whose argv carries a random token.
//
// Where the cron runs: by default in a mount namespace of its own (unshare, as root), with
// temp dirs bind-mounted over /etc/cron.d, /etc/crontab, /var/spool/cron/crontabs and /run.
// That cron sees only the test's job, not the host's /etc/crontab (cron.hourly at :17, @reboot
// jobs), keeps its pid file and crond.reboot marker out of the host's /run, cannot clash with a
// cron already running, and nothing is written into a system dir: the namespace, and the
// mounts, go away with the process. Where unshare is not allowed (a container without
// CAP_SYS_ADMIN) or CLEANUP_TEST_CRON=shared, the job file goes into the real /etc/cron.d:
// a cron already running there reads it (cron rereads /etc/cron.d when its mtime changes, each
// minute); else the test starts `cron -f` and stops it by its handle. The job file, and the
// /run files a cron started here created, are removed in `finally`.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, waitFor } from "../helpers/scene.js";

const SHIPPED = fileURLToPath(new URL("../../contrib/cron.d/cleanup", import.meta.url));
const CRON = "/usr/sbin/cron";
// A cron this test starts ends by itself after this, should the test process die before its
// `finally` (GNU timeout passes our SIGTERM on to cron, too).
const CRON_LIFETIME = "190s";
const token = randomBytes(6).toString("hex");
const dir = mkdtempSync(join(tmpdir(), `cleanup-cron-${token}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Names cron accepts in /etc/cron.d (it skips any with a dot, like run-parts). */
const CRON_D_NAME = /^[A-Za-z0-9_-]+$/;

interface CronFile {
  env: Record<string, string>;
  jobs: { schedule: string; user: string; command: string }[];
}

/** An /etc/cron.d file: VAR=value lines and "m h dom mon dow user command" lines. */
function parseCronD(text: string): CronFile {
  const file: CronFile = { env: {}, jobs: [] };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const env = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (env) {
      file.env[env[1]!] = env[2]!;
      continue;
    }
    const job = /^(\S+\s+\S+\s+\S+\s+\S+\s+\S+)\s+(\S+)\s+(.+)$/.exec(line);
    if (!job) throw new Error(`not a cron.d line: ${raw}`);
    file.jobs.push({ schedule: job[1]!.split(/\s+/).join(" "), user: job[2]!, command: job[3]! });
  }
  return file;
}

/** A word for a cron command line: shell-quoted, and "%" escaped (cron turns "%" into a newline). */
const word = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`.replaceAll("%", "\\%");

describe("contrib/cron.d/cleanup", () => {
  const text = readFileSync(SHIPPED, "utf8");
  const file = parseCronD(text);

  it("runs cleanup every 30 minutes as root with the system rules, output to syslog", () => {
    expect(CRON_D_NAME.test(basename(SHIPPED))).toBe(true);
    expect(file.jobs).toEqual([
      {
        schedule: "*/30 * * * *",
        user: "root",
        command: "/usr/local/bin/cleanup --config /etc/cleanup/rules.yaml 2>&1 | logger -t cleanup",
      },
    ]);
    // `#!/usr/bin/env node` must find node in /usr/local/bin too; cron's default is /usr/bin:/bin.
    expect(file.env.SHELL).toBe("/bin/sh");
    expect(file.env.PATH!.split(":")).toEqual(
      expect.arrayContaining(["/usr/local/bin", "/usr/bin", "/bin"]),
    );
    // An unescaped % would end the command there.
    expect(text.replaceAll("\\%", "")).not.toContain("%");
  });

  it("its commented alternative (a log file) is a valid job line too", () => {
    const alternative = text
      .split("\n")
      .filter((line) => /^# \*\/30 /.test(line))
      .map((line) => line.slice(2));
    expect(parseCronD(alternative.join("\n")).jobs).toEqual([
      {
        schedule: "*/30 * * * *",
        user: "root",
        command:
          "/usr/local/bin/cleanup --config /etc/cleanup/rules.yaml >>/var/log/cleanup.log 2>&1",
      },
    ]);
  });
});

type Cron = { mode: string; stop: () => Promise<void> };

/** A cron in a mount namespace of its own that sees only `cronD`; null if unshare is refused. */
async function isolatedCron(cronD: string): Promise<Cron | null> {
  const empty = join(dir, "empty");
  mkdirSync(join(empty, "spool"), { recursive: true });
  mkdirSync(join(empty, "run"), { recursive: true });
  writeFileSync(join(empty, "crontab"), "");
  const script = [
    'mount --bind "$1" /etc/cron.d',
    'mount --bind "$2/crontab" /etc/crontab',
    'mount --bind "$2/spool" /var/spool/cron/crontabs',
    'mount --bind "$2/run" /run',
    `exec timeout ${CRON_LIFETIME} ${CRON} -f`,
  ].join(" && ");
  const child = spawn(
    "unshare",
    ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh", cronD, empty],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  child.on("error", () => {}); // no unshare binary: seen as an early exit below
  const early = await Promise.race([exited, new Promise((r) => setTimeout(r, 1000, "running"))]);
  if (early !== "running") {
    console.warn(`cron test: no private mount namespace (${stderr.trim() || `exit ${early}`})`);
    return null;
  }
  return { mode: "isolated", stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.kill("SIGTERM"); // by its handle: the timeout, and so the cron, this test started
  await exited;
}

/** The cron already running on this host, if any: its pid file names a live `cron`. */
function runningCron(): number | null {
  try {
    const pid = Number(readFileSync("/run/crond.pid", "utf8").trim());
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "cron" ? pid : null;
  } catch {
    return null;
  }
}

/** The job file in the real /etc/cron.d, read by the host's cron or by one started here. */
async function sharedCron(job: string): Promise<Cron> {
  const jobFile = `/etc/cron.d/cleanup-test-${token}`;
  const runFiles = ["/run/crond.pid", "/run/crond.reboot"].filter((f) => !existsSync(f));
  writeFileSync(jobFile, job, { mode: 0o644 });
  const removeJob = () => rmSync(jobFile, { force: true });
  const running = runningCron();
  if (running !== null)
    return { mode: `the host's cron (pid ${running})`, stop: async () => removeJob() };
  const child = spawn("timeout", [CRON_LIFETIME, CRON, "-f"], { stdio: "ignore" });
  return {
    mode: "a cron started by the test",
    stop: async () => {
      try {
        await stopChild(child);
      } finally {
        removeJob();
        for (const f of runFiles) rmSync(f, { force: true }); // only those it created
      }
    },
  };
}

/** Pids of processes whose argv mentions this test's dir: the cron jobs, while they run. */
function jobsRunning(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(dir)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe("a real cron daemon", () => {
  it("runs the agent from a file in /etc/cron.d", async () => {
    expect(existsSync(CRON), `${CRON} (apt-get install cron; .ci/run does)`).toBe(true);

    // A process of ours that the rule's selector matches: the dry run must list it, spared
    // because its parent (this test) is alive. Nothing else on the host can match the token.
    const marker = `cleanup-cron-marker-${token}`;
    const target = spawn(process.execPath, ["-e", "setTimeout(() => {}, 300000)", marker], {
      stdio: "ignore",
    });
    const rules = join(dir, "rules.yaml");
    writeFileSync(
      rules,
      `rules:\n  - name: cron-test-${token}\n    match: { cmdline: '${marker}', orphaned: true }\n    action: kill\n`,
    );
    const out = join(dir, "out");
    mkdirSync(out);
    // The shipped file's SHELL and PATH lines, then the test's job, every minute. stderr apart:
    // the log sink writes there with --json, and stdout must stay one JSON document.
    const header = readFileSync(SHIPPED, "utf8")
      .split("\n")
      .filter((line) => /^(SHELL|PATH)=/.test(line));
    const command = [
      word(process.execPath),
      word(CLI),
      "--dry-run --json --config",
      word(rules),
      "--state-dir",
      word(join(dir, "state")),
      `>${word(out)}/run-$(date +\\%s).json 2>>${word(join(dir, "stderr"))}`,
    ].join(" ");
    const job = `${header.join("\n")}\n* * * * * root ${command}\n`;
    const name = `cleanup-test-${token}`;
    expect(CRON_D_NAME.test(name)).toBe(true);

    let cron: Cron | null = null;
    try {
      if (process.env.CLEANUP_TEST_CRON !== "shared") {
        const cronD = join(dir, "cron.d");
        mkdirSync(cronD);
        writeFileSync(join(cronD, name), job, { mode: 0o644 });
        cron = await isolatedCron(cronD);
      }
      cron ??= await sharedCron(job);

      // A job runs at the start of a minute; a cron already running may need one more minute
      // to notice the new file.
      let report: Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
      await waitFor(
        `a run by cron (${cron.mode}) in ${out}`,
        () => {
          for (const f of readdirSync(out)) {
            try {
              report = JSON.parse(readFileSync(join(out, f), "utf8"));
              return true;
            } catch {
              // still being written
            }
          }
          return false;
        },
        150_000,
      );
      expect(report).toMatchObject({
        mode: "dry-run",
        dryRun: true,
        configFile: rules,
        exitCode: 0,
        results: [],
        plan: { entries: [] },
      });
      expect(report!.plan.spared).toEqual([
        expect.objectContaining({
          rule: `cron-test-${token}`,
          code: "parent-alive",
          process: expect.objectContaining({ pid: target.pid, user: "root" }),
        }),
      ]);
    } finally {
      await cron?.stop();
      target.kill("SIGKILL"); // our own child, by its handle
      // A job the cron had already started finishes on its own (a dry run takes under a second).
      await waitFor("the cron jobs to finish", () => jobsRunning().length === 0, 20_000);
    }
    expect(existsSync(`/etc/cron.d/cleanup-test-${token}`)).toBe(false);
  }, 180_000);
});
