// The units under a real systemd: this machine's root booted as a container (helpers/nspawn.ts),
// `cleanup install` run in it, the timer enabled with a short OnActiveSec in a drop-in, and the
// hardened service left to kill another user's orphans there and tell a webhook about it. Every
// rule matches only this test's token (its interpreter path), and every process it starts lives
// inside the container, which afterAll halts: nothing outside it is signalled.
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
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

// Generous bounds, set here: the host is saturated while tests run. The boot took ~20 s on the
// 2-core development machine under load.
const BOOT_MS = 120_000;
const RUN_MS = 120_000;

const token = randomBytes(6).toString("hex");
const dir = join(tmpdir(), `cleanup-nspawn-${token}`);
const scene = join(dir, "scene"); // bind-mounted at SRV: the ready files come back through it
// The container's /usr is the host's, read-only: `cleanup install` puts its man pages into
// /usr/local/share/man, so that one directory is a writable one of the test's own.
const MAN_DIR = join(dir, "man");
const SRV = `/srv/cleanup-test-${token}`;
const PY = `${SRV}/python3-${token}`;
const FIXTURES = "/opt/cleanup/test/fixtures"; // the package, bind-mounted read-only
const SHM = `/dev/shm/cleanup-test-${token}`;
const TEXTFILE_DIR = "/var/lib/prometheus/node-exporter";
const port = 20_000 + Math.floor(Math.random() * 30_000); // the container has its own network
// The webhook sink's receiver, inside the container on its own loopback: the unit's sandbox
// (RestrictAddressFamilies=, SystemCallFilter=) must still let the agent connect and POST.
const HOOK_PORT = port + 1;
const HOOK_PATH = `/alerts-${token}`;
const HOOK_DIR = "webhook"; // under scene: each POST body comes back through the bind mount
const escaped = PY.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Token-scoped rules: another user's orphan found by its executable (CAP_SYS_PTRACE) and one by
// the port it listens on (CAP_DAC_READ_SEARCH for its fd directory, CAP_SYS_PTRACE for the
// links), both signalled across users (CAP_KILL). Host thresholds off: the run's outcome must
// not depend on how busy the machine is.
const RULES = `settings:
  run_deadline: 2m
thresholds: { memory: false, cpu: false, disk: false }
alerts:
  sinks:
    - { name: hook, type: webhook, url: 'http://127.0.0.1:${HOOK_PORT}${HOOK_PATH}', timeout: 30s }
rules:
  - name: test-orphans
    match:
      cmdline: '^${escaped} ${FIXTURES}/orphan\\.py '
      exe: 'python3'
      orphaned: true
    action: kill
    grace: 2s
  - name: test-listener
    match:
      cmdline: '^${escaped} ${FIXTURES}/server\\.py '
      listening_port: ${port}
    action: kill
    grace: 2s
`;

let container: Container | undefined;
const inside = () => container!;

interface Started {
  pid: number;
  /** Start time (clock ticks after boot): the same pid with another start time is another process. */
  start: string;
}

async function alive(p: Started): Promise<boolean> {
  const now = await inside().stat(p.pid);
  return now !== null && now.start === p.start && now.state !== "Z" && now.state !== "X";
}

/**
 * A fixture run as nobody in a transient unit of its own, as `sh -c LINE sh PY FIXTURE READY
 * ARGS…`; resolves once it wrote its ready file (its pid, in the container's pid namespace).
 */
async function startAsNobody(
  name: string,
  line: string,
  fixture: string,
  options: { forking: boolean; args?: string[] },
): Promise<Started> {
  const ready = `ready/${name}`;
  const started = await inside().exec([
    "systemd-run",
    "--quiet",
    "--uid=nobody",
    `--unit=cleanup-test-${token}-${name}`,
    // Type=forking: the unit's shell exits once the fixture is in the background, leaving it to
    // the container's PID 1, as a crashed worker's parent leaves its children.
    ...(options.forking ? ["--property=Type=forking"] : []),
    "/bin/sh",
    "-c",
    line,
    "sh",
    PY,
    `${FIXTURES}/${fixture}`,
    `${SRV}/${ready}`,
    ...(options.args ?? []),
  ]);
  expect(started, `systemd-run ${name}`).toMatchObject({ code: 0 });
  await waitFor(`${name} to be ready`, () => existsSync(join(scene, ready)), 30_000);
  const text = readFileSync(join(scene, ready), "utf8");
  const pid = fixture === "server.py" ? Number(text) : (JSON.parse(text) as { pid: number }).pid;
  const stat = await inside().stat(pid);
  expect(stat, `${name} (pid ${pid})`).not.toBeNull();
  // The unit's shell may still be exiting when the fixture is ready: wait for the reparenting.
  if (options.forking)
    await until(`${name} (pid ${pid}) to be orphaned`, 30_000, async () =>
      (await inside().stat(pid))?.ppid === 1 ? true : undefined,
    );
  return { pid, start: stat!.start };
}

/** The service's journal once it holds the run's summary line (journald may lag the unit). */
const journalWithSummary = () =>
  until("the run's summary in the journal", 30_000, async () => {
    const journal = await inside().sh("journalctl -u cleanup.service -o cat --no-pager");
    return /^summary: /m.test(journal) ? journal : undefined;
  });

/** The service's state once a run has ended (a oneshot is inactive or failed after it). */
const runFinished = () =>
  until("the timer's run to finish", RUN_MS, async () => {
    const keys = ["ActiveState", "Result", "ExecMainStatus", "ExecMainExitTimestampMonotonic"];
    const state = await inside().properties("cleanup.service", keys);
    const ended = state.ExecMainExitTimestampMonotonic !== "0";
    return ended && ["inactive", "failed"].includes(state.ActiveState!) ? state : undefined;
  });

// Drop-ins, as an operator would write them: the service also writes the textfile and, inside
// its own sandbox after the run, lists /dev/shm and removes the test's file there; the timer
// fires 3 s after it starts instead of hourly.
const DROP_IN = `[Service]
ExecStart=
ExecStart=/opt/cleanup/dist/cli.js --config /etc/cleanup/rules.yaml --textfile ${TEXTFILE_DIR}
ExecStartPost=/bin/sh -c 'ls /dev/shm > /var/lib/cleanup/shm-${token}.txt && rm ${SHM}'
`;
const TIMER_DROP_IN = `[Timer]
OnCalendar=
OnActiveSec=3s
RandomizedDelaySec=0
AccuracySec=1s
`;

// One file per POST (path and body), written whole then renamed so the test never reads half a
// body; 200 for every POST. Its ready file appears once it listens.
const RECEIVER = `import http.server, json, os, sys
out, ready, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
class Handler(http.server.BaseHTTPRequestHandler):
    count = 0
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        Handler.count += 1
        name = os.path.join(out, "%d.json" % Handler.count)
        with open(name + ".tmp", "w") as f:
            json.dump({"path": self.path, "body": body}, f)
        os.rename(name + ".tmp", name)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
server = http.server.HTTPServer(("127.0.0.1", port), Handler)
with open(ready + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(ready + ".tmp", ready)
server.serve_forever()
`;
let receiverPid = 0;

const ORPHAN_LINE = '"$@" </dev/null >/dev/null 2>&1 &';
const LIVE_LINE = '"$@" </dev/null >/dev/null 2>&1 & wait';

describe.skipIf(unavailable !== null)(
  `the units under a real systemd (nspawn)${unavailable ? ` — skipped: ${unavailable}` : ""}`,
  () => {
    beforeAll(async () => {
      mkdirSync(join(scene, "ready"), { recursive: true });
      chmodSync(join(scene, "ready"), 0o777); // nobody's fixtures write their ready files there
      mkdirSync(MAN_DIR, { recursive: true });
      symlinkSync(PYTHON, join(scene, `python3-${token}`));
      container = await Container.boot({
        name: `cleanup-test-${token}`,
        dir,
        bootTimeoutMs: BOOT_MS,
        mounts: [
          { host: PACKAGE, container: "/opt/cleanup", readOnly: true },
          { host: scene, container: SRV, readOnly: false },
          { host: MAN_DIR, container: "/usr/local/share/man", readOnly: false },
        ],
        // Where `npm install -g` links the package's bin, which the shipped unit's ExecStart names.
        prepare: ({ usrLocalBin }) =>
          symlinkSync("/opt/cleanup/dist/cli.js", join(usrLocalBin, "cleanup")),
      });
      // The receiver, in a transient unit of its own inside the container (halted with it).
      mkdirSync(join(scene, HOOK_DIR));
      writeFileSync(join(scene, `receiver-${token}.py`), RECEIVER);
      const started = await inside().exec([
        "systemd-run",
        "--quiet",
        `--unit=cleanup-test-${token}-receiver`,
        PYTHON,
        `${SRV}/receiver-${token}.py`,
        `${SRV}/${HOOK_DIR}`,
        `${SRV}/ready/receiver`,
        String(HOOK_PORT),
      ]);
      expect(started, "systemd-run receiver").toMatchObject({ code: 0 });
      await waitFor(
        "the webhook receiver to listen",
        () => existsSync(join(scene, "ready/receiver")),
        30_000,
      );
      receiverPid = Number(readFileSync(join(scene, "ready/receiver"), "utf8"));
    }, BOOT_MS + 120_000);

    afterAll(async () => {
      // The receiver by its pid (in the container's pid namespace); the halt would end it too.
      if (receiverPid > 0) await container?.exec(["/bin/kill", String(receiverPid)]);
      await container?.terminate();
      rmSync(dir, { recursive: true, force: true });
    }, 120_000);

    it("the shipped units verify as shipped, with the binary where npm install -g puts it", async () => {
      const units = ["/opt/cleanup/systemd/cleanup.service", "/opt/cleanup/systemd/cleanup.timer"];
      expect(await inside().sh("readlink -f /usr/local/bin/cleanup")).toBe(
        "/opt/cleanup/dist/cli.js\n",
      );
      // --man=no: Documentation=man:cleanup(1) is installed by `cleanup install`, below.
      const quiet = await inside().exec(["systemd-analyze", "verify", "--man=no", ...units]);
      expect(quiet).toEqual({ code: 0, stdout: "", stderr: "" });
    });

    it("`cleanup install` writes the units; the token-scoped rules.yaml written first is kept", async () => {
      await inside().sh("mkdir -p /etc/cleanup");
      await inside().write("/etc/cleanup/rules.yaml", RULES);
      const install = await inside().exec(["/opt/cleanup/dist/cli.js", "install"]);
      expect(install.code, install.stderr).toBe(0);
      expect(install.stdout).toMatch(/kept +\/etc\/cleanup\/rules\.yaml +exists: kept/);
      expect(install.stdout).toMatch(/wrote +\/etc\/systemd\/system\/cleanup\.service +new/);
      expect(install.stdout).toMatch(/wrote +\/usr\/local\/share\/man\/man1\/cleanup\.1 +new/);
      expect(await inside().sh("cat /etc/cleanup/rules.yaml")).toBe(RULES);
      // The node on the service's PATH runs the script directly: its own path is ExecStart.
      const unit = await inside().sh("cat /etc/systemd/system/cleanup.service");
      expect(unit).toContain(
        "\nExecStart=/opt/cleanup/dist/cli.js --config /etc/cleanup/rules.yaml\n",
      );
      await inside().sh("systemctl daemon-reload");
      expect(await inside().properties("cleanup.service", ["LoadState", "FragmentPath"])).toEqual({
        LoadState: "loaded",
        FragmentPath: "/etc/systemd/system/cleanup.service",
      });
      // The installed page is where man looks: verify's Documentation= check (its default) passes.
      // (man may name it by Debian's /usr/local/man link to share/man.)
      const found = 'readlink -f "$(man -w cleanup)" "$(man -w 5 cleanup-rules)"';
      expect(await inside().sh(found)).toBe(
        "/usr/local/share/man/man1/cleanup.1\n/usr/local/share/man/man5/cleanup-rules.5\n",
      );
      const installed = ["cleanup.service", "cleanup.timer"].map((u) => `/etc/systemd/system/${u}`);
      expect(await inside().exec(["systemd-analyze", "verify", ...installed])).toEqual({
        code: 0,
        stdout: "",
        stderr: "",
      });
    });

    it("systemd-analyze security scores the installed service at most 3.5", async () => {
      const report = await inside().exec([
        "systemd-analyze",
        "security",
        "--no-pager",
        "cleanup.service",
      ]);
      const score = /Overall exposure level for cleanup\.service: (\d+\.\d+)/.exec(report.stdout);
      expect(score, report.stdout + report.stderr).not.toBeNull();
      expect(Number(score![1])).toBeLessThanOrEqual(3.5);
    });

    it(
      "the timer starts the hardened service, which kills nobody's orphans and spares a live one",
      async () => {
        // Another user's processes, in other units: two orphans (parent: the container's PID 1)
        // and one with the same token whose parent lives.
        const orphan = await startAsNobody("orphan", ORPHAN_LINE, "orphan.py", { forking: true });
        const listener = await startAsNobody("listener", ORPHAN_LINE, "server.py", {
          forking: true,
          args: [String(port)],
        });
        const live = await startAsNobody("live", LIVE_LINE, "orphan.py", { forking: false });
        for (const p of [orphan, listener]) expect((await inside().stat(p.pid))!.ppid).toBe(1);
        expect((await inside().stat(live.pid))!.ppid).not.toBe(1);

        // A file of nobody's in /dev/shm that the unit's sandbox must see (and may remove), and
        // Debian's textfile collector directory.
        await inside().sh(`setpriv --reuid=nobody --regid=nogroup --clear-groups touch ${SHM}`);
        await inside().sh(`mkdir -p -m 0755 ${TEXTFILE_DIR}`);

        await inside().sh("mkdir -p /etc/systemd/system/cleanup.service.d");
        await inside().write(`/etc/systemd/system/cleanup.service.d/test-${token}.conf`, DROP_IN);
        await inside().sh("mkdir -p /etc/systemd/system/cleanup.timer.d");
        await inside().write(
          `/etc/systemd/system/cleanup.timer.d/test-${token}.conf`,
          TIMER_DROP_IN,
        );
        // The README's command.
        await inside().sh("systemctl daemon-reload && systemctl enable --now cleanup.timer");

        const state = await runFinished();
        const journal = await journalWithSummary();
        expect(state, journal).toMatchObject({
          Result: "success",
          ExecMainStatus: "0",
          ActiveState: "inactive",
        });
        // The timer did it: it has fired, and the journal has the run's report.
        const timer = await inside().properties("cleanup.timer", ["LastTriggerUSecMonotonic"]);
        expect(timer.LastTriggerUSecMonotonic).not.toBe("0");
        expect(journal).toMatch(/summary: killed 2 of 2, spared 1/);

        const lastRun = JSON.parse(
          await inside().sh("cat /var/lib/cleanup/last-run.json"),
        ) as Record<string, unknown>;
        expect(lastRun).toMatchObject({ outcome: "ok", killed: 2, failed: 0 });
        const audit = (await inside().sh("cat /var/lib/cleanup/audit.jsonl"))
          .trim()
          .split("\n")
          .map(
            (l) => JSON.parse(l) as { pid: number; rule: string; signal: string; outcome: string },
          );
        expect(audit.map((a) => [a.pid, a.rule, a.signal, a.outcome]).sort()).toEqual(
          [
            [orphan.pid, "test-orphans", "SIGTERM", "sent"],
            [listener.pid, "test-listener", "SIGTERM", "sent"],
          ].sort(),
        );
        expect(await alive(orphan)).toBe(false);
        expect(await alive(listener)).toBe(false);
        expect(await alive(live)).toBe(true);

        // The sandbox saw the system's /dev/shm, and its removal there shows outside it.
        expect(await inside().sh(`cat /var/lib/cleanup/shm-${token}.txt`)).toContain(
          `cleanup-test-${token}`,
        );
        expect((await inside().exec(["/usr/bin/test", "-e", SHM])).code).toBe(1);
        // And it wrote the textfile under ProtectSystem=strict (ReadWritePaths= in the unit).
        expect(await inside().sh(`cat ${TEXTFILE_DIR}/cleanup.prom`)).toMatch(/^cleanup_/m);
      },
      RUN_MS + 90_000,
    );

    it("the hardened service delivered the run's kills to the webhook sink on loopback", async () => {
      // The run above ended with exit 0, which an undelivered alert would have made 1; here is
      // what the receiver got: one POST per run, the kills of both rules in it.
      const files = readdirSync(join(scene, HOOK_DIR)).filter((f) => f.endsWith(".json"));
      expect(files).toEqual(["1.json"]);
      const post = JSON.parse(readFileSync(join(scene, HOOK_DIR, "1.json"), "utf8")) as {
        path: string;
        body: string;
      };
      expect(post.path).toBe(HOOK_PATH);
      const digest = JSON.parse(post.body) as {
        notifications: { key: string; summary: string; details: string[] }[];
      };
      expect(digest.notifications.map((n) => n.key).sort()).toEqual([
        "killed:test-listener",
        "killed:test-orphans",
      ]);
      for (const n of digest.notifications) {
        expect(n.summary).toMatch(
          new RegExp(`^${n.key.slice("killed:".length)}: killed 1 process,`),
        );
        // The details name the killed process by its argv: the test's token-marked interpreter.
        expect(n.details.join("\n")).toContain(PY);
      }
    });
  },
);
