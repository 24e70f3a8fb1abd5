// The log lines read back through a real journald: this machine's root booted as a container
// (helpers/nspawn.ts), the agent run live in a transient unit whose stdout and stderr are the
// journal, so JOURNAL_STREAM names its stderr and each log line starts with its priority. Then
// `journalctl -p warning` finds the warning, `-p notice` the kill, and the report stays at info.
// The rule matches only this test's token (its interpreter path); the orphan it kills lives in
// the container, which afterAll halts: nothing outside it is signalled.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Container, nspawnUnavailable, until } from "../helpers/nspawn.js";
import { waitFor } from "../helpers/scene.js";

const PACKAGE = fileURLToPath(new URL("../../", import.meta.url));
const PYTHON = "/usr/bin/python3"; // under /usr: the container has the host's /usr
const unavailable =
  nspawnUnavailable() ??
  (existsSync(PYTHON) ? null : `${PYTHON} missing`) ??
  (existsSync(join(PACKAGE, "dist/cli.js")) ? null : "dist/cli.js missing: npm run build");

// Generous bounds, set here: the host is saturated while tests run.
const BOOT_MS = 120_000;
const RUN_MS = 120_000;

const token = randomBytes(6).toString("hex");
const dir = join(tmpdir(), `cleanup-journald-${token}`);
const scene = join(dir, "scene"); // bind-mounted at SRV: the ready file comes back through it
const SRV = `/srv/cleanup-test-${token}`;
const PY = `${SRV}/python3-${token}`;
const FIXTURES = "/opt/cleanup/test/fixtures"; // the package, bind-mounted read-only
const UNIT = `cleanup-journal-${token}`;
const CONFIG = `/etc/cleanup-journal-${token}.yaml`;
const STATE = `/var/lib/cleanup-journal-${token}`;
const escaped = PY.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Token-scoped; host thresholds off: what is logged must not depend on how busy the machine is.
const RULES = `thresholds: { memory: false, cpu: false, disk: false }
rules:
  - name: journal-orphans
    match:
      cmdline: '^${escaped} ${FIXTURES}/orphan\\.py '
      orphaned: true
    action: kill
    grace: 2s
`;

interface JournalEntry {
  MESSAGE: string;
  PRIORITY: string;
  _TRANSPORT?: string;
}

let container: Container | undefined;
const inside = () => container!;

/** The unit's journal entries at or above a priority (journalctl -p), once `ready` holds. */
async function journal(
  priority: string,
  ready: (entries: JournalEntry[]) => boolean,
): Promise<JournalEntry[]> {
  return until(`the journal of ${UNIT} (-p ${priority})`, 30_000, async () => {
    const text = await inside().sh(
      `journalctl -u ${UNIT}.service -p ${priority} -o json --no-pager --output-fields=MESSAGE,PRIORITY,_TRANSPORT`,
    );
    const entries = text
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as JournalEntry);
    return ready(entries) ? entries : undefined;
  });
}

/** A MESSAGE that is one of our JSON log lines, parsed; null for any other line. */
function logLine(entry: JournalEntry): Record<string, unknown> | null {
  if (typeof entry.MESSAGE !== "string" || !entry.MESSAGE.startsWith("{")) return null;
  return JSON.parse(entry.MESSAGE) as Record<string, unknown>;
}

describe.skipIf(unavailable !== null)(
  `log lines under a real journald (nspawn)${unavailable ? ` — skipped: ${unavailable}` : ""}`,
  () => {
    beforeAll(async () => {
      mkdirSync(join(scene, "ready"), { recursive: true });
      symlinkSync(PYTHON, join(scene, `python3-${token}`));
      container = await Container.boot({
        name: `cleanup-journal-${token}`,
        dir,
        bootTimeoutMs: BOOT_MS,
        mounts: [
          { host: PACKAGE, container: "/opt/cleanup", readOnly: true },
          { host: scene, container: SRV, readOnly: false },
        ],
      });
    }, BOOT_MS + 120_000);

    afterAll(async () => {
      // Halting the container ends every process in it, the orphan too if it survived.
      await container?.terminate();
      rmSync(dir, { recursive: true, force: true });
    }, 120_000);

    it(
      "journalctl -p warning finds the warning, -p notice the kill; the report stays at info",
      async () => {
        // The orphan: a forking unit's shell leaves it to the container's PID 1.
        const started = await inside().exec([
          "systemd-run",
          "--quiet",
          `--unit=${UNIT}-orphan`,
          "--property=Type=forking",
          "/bin/sh",
          "-c",
          '"$@" </dev/null >/dev/null 2>&1 &',
          "sh",
          PY,
          `${FIXTURES}/orphan.py`,
          `${SRV}/ready/orphan`,
        ]);
        expect(started, "systemd-run the orphan").toMatchObject({ code: 0 });
        await waitFor("the orphan", () => existsSync(join(scene, "ready/orphan")), 30_000);
        const { pid } = JSON.parse(readFileSync(join(scene, "ready/orphan"), "utf8")) as {
          pid: number;
        };
        await until("the orphan to be reparented", 30_000, async () =>
          (await inside().stat(pid))?.ppid === 1 ? true : undefined,
        );

        // A warning to give: an empty alerts.json, set aside by the run.
        await inside().write(CONFIG, RULES);
        await inside().sh(`umask 077 && mkdir -p ${STATE} && : > ${STATE}/alerts.json`);
        const run = await inside().exec(
          [
            "systemd-run",
            "--quiet",
            "--wait",
            `--unit=${UNIT}`,
            "/opt/cleanup/dist/cli.js",
            "--config",
            CONFIG,
            "--state-dir",
            STATE,
          ],
          { timeoutMs: RUN_MS },
        );
        expect(run, "the agent's unit").toMatchObject({ code: 0 });
        expect(await inside().stat(pid)).toBeNull();

        // Everything, once the report's last line is in: every line of ours parsed, priorities
        // as the levels say, no `<N>` left in a message (journald took it).
        const all = await journal("debug", (es) => es.some((e) => /^summary: /.test(e.MESSAGE)));
        for (const e of all) expect(e.MESSAGE).not.toMatch(/^<\d>/);
        const priorityOf = { error: "3", warn: "4", notice: "5", info: "6", debug: "7" };
        const ours = all.map((e) => [e, logLine(e)] as const).filter(([, l]) => l !== null);
        expect(ours.length).toBeGreaterThanOrEqual(2);
        for (const [e, l] of ours)
          expect(e.PRIORITY, String(l!.summary)).toBe(
            priorityOf[l!.level as keyof typeof priorityOf],
          );
        // The report (stdout): plain lines at the default priority, info.
        const table = all.find((e) => e.MESSAGE.startsWith("cleanup: live run; config "));
        expect(table?.PRIORITY).toBe("6");
        expect(all.find((e) => /^summary: /.test(e.MESSAGE))?.PRIORITY).toBe("6");

        const warnings = await journal("warning", () => true);
        expect(warnings.length).toBeGreaterThan(0);
        for (const e of warnings) expect(Number(e.PRIORITY)).toBeLessThanOrEqual(4);
        const warning = warnings.map(logLine).find((l) => l?.event === "state-problem");
        expect(warning).toMatchObject({ level: "warn" });
        expect(String(warning?.summary)).toMatch(/alerts\.json: .*the file is empty/);

        const notices = await journal("notice", () => true);
        const kill = notices.find((e) => logLine(e)?.key === "killed:journal-orphans");
        expect(kill?.PRIORITY).toBe("5");
        expect(logLine(kill!)).toMatchObject({ level: "notice", status: "event" });
      },
      RUN_MS + 60_000,
    );

    it(
      "a config error is at priority err: journalctl -p err says why nothing was done",
      async () => {
        const bad = `/etc/cleanup-journal-bad-${token}.yaml`;
        await inside().write(bad, "rules: [{ name: x, action: kil, match: { comm: x } }]\n");
        const unit = `${UNIT}-bad`;
        const run = await inside().exec(
          ["systemd-run", "--quiet", "--wait", `--unit=${unit}`, "/opt/cleanup/dist/cli.js"].concat(
            ["--dry-run", "--config", bad, "--state-dir", STATE],
          ),
          { timeoutMs: RUN_MS },
        );
        expect(run.code, run.stderr).not.toBe(0);
        const errors = await until("the error in the journal", 30_000, async () => {
          const text = await inside().sh(
            `journalctl -u ${unit}.service -p err -o json --no-pager --output-fields=MESSAGE,PRIORITY`,
          );
          const entries = text
            .split("\n")
            .filter((l) => l.startsWith("{"))
            .map((l) => JSON.parse(l) as JournalEntry)
            .filter((e) => typeof e.MESSAGE === "string" && e.MESSAGE.startsWith("cleanup: "));
          return entries.length > 0 ? entries : undefined;
        });
        expect(errors[0]).toMatchObject({
          PRIORITY: "3",
          MESSAGE: "cleanup: config invalid, nothing was done:",
        });
      },
      RUN_MS + 60_000,
    );
  },
);
