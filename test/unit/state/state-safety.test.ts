// The primitives under the state directory, on real files: temp files created exclusively and
// never through a link, reads that refuse links, FIFOs and huge files, the trust check of a
// directory, and state files parsed entry by entry (EMFILE and EIO injected into the read).
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAuditLog } from "../../../src/act/audit.js";
import { parseOutbox } from "../../../src/alerts/outbox.js";
import { parseAlertState } from "../../../src/alerts/policy.js";
import { replaceFileAtomically } from "../../../src/state/durable.js";
import { StateFiles } from "../../../src/state/reader.js";
import { readRegularFile } from "../../../src/state/safe-read.js";
import { checkDirTrust } from "../../../src/state/trusted-dir.js";
import { renderText } from "../../../src/report/text.js";
import { liveReport } from "../../helpers/run-report.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cleanup-safety-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("replaceFileAtomically", () => {
  it("replaces a symlink at the name instead of writing through it; mode by fchmod", () => {
    const target = join(dir, "target");
    writeFileSync(target, "ORIGINAL", { mode: 0o600 });
    symlinkSync(target, join(dir, "x.prom"));
    replaceFileAtomically(join(dir, "x.prom"), "new\n", 0o644);
    expect(readFileSync(target, "utf8")).toBe("ORIGINAL");
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, "x.prom"), "utf8")).toBe("new\n");
    expect(statSync(join(dir, "x.prom")).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir).sort()).toEqual(["target", "x.prom"]);
  });

  it("a directory it cannot rename over: throws, leaves no temp file", () => {
    mkdirSync(join(dir, "x.json"));
    writeFileSync(join(dir, "x.json", "inside"), "kept");
    expect(() => replaceFileAtomically(join(dir, "x.json"), "{}")).toThrow();
    expect(readdirSync(dir)).toEqual(["x.json"]);
    expect(readFileSync(join(dir, "x.json", "inside"), "utf8")).toBe("kept");
  });

  it("writeAll gives a full disk's error, never a short file (a real 64 KiB tmpfs)", () => {
    const mnt = join(dir, "mnt");
    mkdirSync(mnt);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt]);
    try {
      writeFileSync(join(mnt, "x.json"), "previous");
      expect(() => replaceFileAtomically(join(mnt, "x.json"), "y".repeat(200_000))).toThrow(
        /ENOSPC/,
      );
      expect(readFileSync(join(mnt, "x.json"), "utf8")).toBe("previous");
      expect(readdirSync(mnt)).toEqual(["x.json"]);
    } finally {
      execFileSync("umount", [mnt]);
    }
  });
});

describe("the audit log", () => {
  it("refuses a symlink and a FIFO at its name; appends to a regular file", () => {
    const target = join(dir, "target");
    writeFileSync(target, "ORIGINAL");
    symlinkSync(target, join(dir, "audit.jsonl"));
    expect(() => openAuditLog(join(dir, "audit.jsonl"))).toThrow(/ELOOP/);
    expect(readFileSync(target, "utf8")).toBe("ORIGINAL");
    execFileSync("mkfifo", [join(dir, "fifo")]);
    // No reader: ENXIO at once (O_NONBLOCK); with one it would be "not a regular file". Never a hang.
    expect(() => openAuditLog(join(dir, "fifo"))).toThrow(/ENXIO|not a regular file/);
    const log = openAuditLog(join(dir, "real.jsonl"));
    log.append({
      time: "t",
      pid: 1,
      startTicks: 1,
      argv: [],
      rule: "r",
      signal: "SIGTERM",
      outcome: "sent",
    });
    log.close();
    expect(JSON.parse(readFileSync(join(dir, "real.jsonl"), "utf8")).rule).toBe("r");
    expect(statSync(join(dir, "real.jsonl")).mode & 0o777).toBe(0o600);
  });
});

describe("readRegularFile", () => {
  it("reads a file; refuses a symlink (ELOOP), a FIFO without blocking, a file over the cap", () => {
    writeFileSync(join(dir, "a"), "hello");
    expect(readRegularFile(join(dir, "a"))).toBe("hello");
    symlinkSync(join(dir, "a"), join(dir, "link"));
    expect(() => readRegularFile(join(dir, "link"))).toThrow(/ELOOP/);
    execFileSync("mkfifo", [join(dir, "fifo")]);
    expect(() => readRegularFile(join(dir, "fifo"))).toThrow(
      expect.objectContaining({ code: "ENOTREG" }),
    );
    expect(() => readRegularFile(join(dir, "a"), 4)).toThrow(
      expect.objectContaining({ code: "EFBIG" }),
    );
  });
});

describe("checkDirTrust (as root)", () => {
  const root = { euid: 0, trusted: [] as string[] };

  it("root's own 0700 dir under /tmp (sticky) passes", () => {
    expect(checkDirTrust(dir, root)).toEqual({ refusal: null, warnings: [] });
  });

  it("refuses a group- or world-writable dir, sticky or not, naming owner and mode", () => {
    chmodSync(dir, 0o770);
    expect(checkDirTrust(dir, root).refusal).toBe(
      `${dir} is writable by its group (no sticky bit): owner root (uid 0), mode 0770`,
    );
    chmodSync(dir, 0o1777);
    expect(checkDirTrust(dir, root).refusal).toMatch(
      /writable by every user \(sticky bit or not\)/,
    );
  });

  it("refuses a dir owned by another user, a symlink, and one under a foreign-writable parent", () => {
    const owned = join(dir, "owned");
    mkdirSync(owned, { mode: 0o700 });
    chownSync(owned, 65534, 65534);
    expect(checkDirTrust(owned, root).refusal).toMatch(
      /owned by another user: owner \S+ \(uid 65534\), mode 0700$/,
    );
    const real = join(dir, "real");
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(dir, "link"));
    expect(checkDirTrust(join(dir, "link"), root).refusal).toMatch(/is a symbolic link/);
    const open = join(dir, "open");
    mkdirSync(join(open, "state"), { recursive: true, mode: 0o700 });
    chmodSync(open, 0o777);
    expect(checkDirTrust(join(open, "state"), root).refusal).toBe(
      `${open} is writable by every user (no sticky bit): owner root (uid 0), mode 0777`,
    );
  });

  it("a path in trust_paths is accepted with a warning; a missing dir and non-root pass", () => {
    chmodSync(dir, 0o777);
    expect(checkDirTrust(dir, { euid: 0, trusted: [`${dir}/`] })).toEqual({
      refusal: null,
      warnings: [
        `${dir} is writable by every user (no sticky bit): owner root (uid 0), mode 0777; accepted (settings.trust_paths)`,
      ],
    });
    expect(checkDirTrust(join(dir, "nothing-yet"), root).refusal).toBeNull();
    expect(checkDirTrust(dir, { euid: 1000, trusted: [] }).refusal).toBeNull();
  });
});

const notification = (id: string) => ({
  id,
  key: "rule:x",
  status: "firing",
  reminder: false,
  severity: "warning",
  summary: "x",
  details: ["a"],
  labels: { rule: "x" },
  host: "h",
  startsAt: "2026-12-01T00:00:00.000Z",
  createdAt: "2026-12-01T00:00:00.000Z",
});

describe("parseOutbox", () => {
  it("takes out a bad queue, a bad entry and a bad count alone, keeping the rest", () => {
    const parsed = parseOutbox({
      version: 1,
      pending: {
        a: [notification("1"), null, { ...notification("2"), details: "no" }, notification("3")],
        b: 5,
        __proto__: [notification("p")],
      },
      dropped: { a: 2, b: -1 },
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.data.pending.a!.map((n) => n.id)).toEqual(["1", "3"]);
    expect(Object.keys(parsed.data.pending)).toEqual(["a"]);
    expect(parsed.data.dropped).toEqual({ a: 2 });
    expect(parsed.rejected!.map((r) => [r.where, r.problem])).toEqual([
      ["pending.a[1]", "not a notification"],
      ["pending.a[2]", "details is not a list of texts"],
      ["pending.b", "not a list of notifications"],
      ["dropped.b", "not a count"],
    ]);
  });

  it("a sink named __proto__ (from JSON) stays an ordinary key", () => {
    const parsed = parseOutbox(
      JSON.parse(
        `{"version":1,"pending":{"__proto__":[${JSON.stringify(notification("p"))}]},"dropped":{}}`,
      ),
    );
    expect(parsed.ok && Object.keys(parsed.data.pending)).toEqual(["__proto__"]);
    expect(parsed.ok && Object.getPrototypeOf(parsed.data.pending)).toBe(Object.prototype);
  });

  it("no pending or dropped mapping: the whole file is bad", () => {
    expect(parseOutbox({ version: 1, pending: [], dropped: {} })).toEqual({
      ok: false,
      problem: "pending is not a mapping of sink → queue",
    });
  });
});

describe("parseAlertState", () => {
  it("takes out a bad open alert alone", () => {
    const good = {
      severity: "warning",
      summary: "s",
      details: [],
      labels: {},
      consecutive: 2,
      firstSeenAt: "t",
    };
    const parsed = parseAlertState({
      version: 1,
      open: { a: good, b: { ...good, consecutive: "2" } },
    });
    expect(parsed.ok && Object.keys(parsed.data.open)).toEqual(["a"]);
    expect(parsed.ok && parsed.rejected).toMatchObject([
      { where: "open.b", problem: "consecutive is not a count" },
    ]);
  });
});

describe("StateFiles", () => {
  it("EMFILE or EIO on read: not corrupt; the file is kept and not written this run", () => {
    for (const code of ["EMFILE", "EIO", "EACCES"]) {
      const path = join(dir, "outbox.json");
      writeFileSync(path, '{"version":1,"pending":{},"dropped":{}}');
      const files = new StateFiles(dir, true, Date.now, () => {
        throw Object.assign(new Error(`${code}: injected`), { code });
      });
      expect(files.read("outbox.json", 1, parseOutbox)).toBeNull();
      expect(files.write("outbox.json", { version: 1 })).toBe(false);
      expect(files.writeFailed).toBe(true);
      expect(readFileSync(path, "utf8")).toBe('{"version":1,"pending":{},"dropped":{}}');
      expect(readdirSync(dir)).toEqual(["outbox.json"]);
      expect(files.problems).toEqual([
        `state file ${path}: cannot read: ${code}: injected; left as it is, and not written this run`,
        `state file ${path}: not written this run: it could not be read, and what it holds is kept`,
      ]);
    }
  });

  it("bad entries go to NAME.rejected-TIME.json in a live run; a dry run moves nothing", () => {
    const text = JSON.stringify({
      version: 1,
      pending: { a: [null, notification("1")] },
      dropped: {},
    });
    writeFileSync(join(dir, "outbox.json"), text);
    const dry = new StateFiles(dir, false, () => Date.UTC(2026, 11, 2));
    expect(dry.read("outbox.json", 1, parseOutbox)?.pending.a).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(["outbox.json"]);
    const live = new StateFiles(dir, true, () => Date.UTC(2026, 11, 2));
    expect(live.read("outbox.json", 1, parseOutbox)?.pending.a).toHaveLength(1);
    const aside = join(dir, "outbox.rejected-2026-12-02T00-00-00-000Z.json");
    expect(JSON.parse(readFileSync(aside, "utf8"))).toEqual({
      version: 1,
      file: "outbox.json",
      entries: [{ where: "pending.a[0]", problem: "not a notification", value: null }],
    });
    expect(live.problems[0]).toMatch(
      /1 bad entry \(pending\.a\[0\]: not a notification\) set aside in/,
    );
    expect(existsSync(join(dir, "outbox.json"))).toBe(true);
  });
});

describe("the report never claims an outbox it did not save", () => {
  it("a failed sink: kept in the outbox when saved; what is on disk and what is not, when not", () => {
    const saved = liveReport();
    expect(renderText(saved)).toContain(
      "hook (webhook): FAILED: connect ECONNREFUSED 127.0.0.1:9; 2 kept in the outbox for the next run",
    );
    const unsaved = liveReport();
    unsaved.alerts = { ...unsaved.alerts!, outboxSaved: false, unsaved: { hook: 1 } };
    const text = renderText(unsaved);
    expect(text).not.toContain("kept in the outbox");
    expect(text).toContain(
      "hook (webhook): FAILED: connect ECONNREFUSED 127.0.0.1:9; 1 still in the outbox from earlier runs, 1 of this run's could not be saved (the outbox could not be written): not retried",
    );
  });
});
