// The one log line shape, its level → syslog priority map, and the `<N>` prefix that appears
// only where the stream is journald's.
import { createWriteStream, fstatSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  SYSLOG_PRIORITY,
  logRenderFor,
  openLog,
  plainText,
  priorityPrefix,
  terminalLine,
  type LogEntry,
} from "../../../src/shared/log-line.js";

let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), "cleanup-log-line-"))));
afterAll(() => rmSync(dir, { recursive: true }));

/** A file stream, opened: it has an fd, as process.stderr has. */
async function fileStream(name: string) {
  const path = join(dir, name);
  const stream = createWriteStream(path);
  await once(stream, "open");
  const fd = (stream as unknown as { fd: number }).fd;
  const s = fstatSync(fd, { bigint: true });
  return { path, stream, journal: `${s.dev}:${s.ino}` };
}

const entries: LogEntry[] = [
  { level: "error", summary: "run failed", fields: { event: "run-failed", exitCode: 1 } },
  { level: "warn", summary: "state file x: not JSON", fields: { event: "state-problem" } },
  { level: "notice", summary: "r: killed 2 processes", fields: { key: "killed:r" } },
  { level: "info", summary: "daemon started" },
  { level: "debug", summary: "detail" },
];

describe("level → syslog priority", () => {
  it("err 3, warning 4, notice 5, info 6, debug 7 (syslog(3), journalctl -p)", () => {
    expect(SYSLOG_PRIORITY).toEqual({ error: 3, warn: 4, notice: 5, info: 6, debug: 7 });
    expect(entries.map((e) => priorityPrefix(e.level))).toEqual([
      "<3>",
      "<4>",
      "<5>",
      "<6>",
      "<7>",
    ]);
  });
});

describe("the JSON line", () => {
  it("{level, time, …fields, summary}, one a line, no prefix off journald", async () => {
    const { stream } = await fileStream("plain");
    const text = (await logRenderFor(stream, {}))(entries);
    stream.destroy();
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line.startsWith("{")).toBe(true);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((p) => p.level)).toEqual(["error", "warn", "notice", "info", "debug"]);
    expect(parsed[0]).toEqual({
      level: "error",
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      event: "run-failed",
      exitCode: 1,
      summary: "run failed",
    });
    expect(Object.keys(parsed[3]!)).toEqual(["level", "time", "summary"]);
  });

  it("under journald, each line starts with its priority", async () => {
    const { stream, journal } = await fileStream("journal");
    const text = (await logRenderFor(stream, { JOURNAL_STREAM: journal }))(entries);
    stream.destroy();
    const lines = text.trimEnd().split("\n");
    expect(lines.map((l) => l.slice(0, 3))).toEqual(["<3>", "<4>", "<5>", "<6>", "<7>"]);
    expect(JSON.parse(lines[1]!.slice(3))).toMatchObject({
      level: "warn",
      summary: entries[1]!.summary,
    });
  });

  it("JOURNAL_STREAM of another file (inherited, then redirected): no prefix", async () => {
    const { journal } = await fileStream("elsewhere");
    const { stream } = await fileStream("redirected");
    const text = (await logRenderFor(stream, { JOURNAL_STREAM: journal }))(entries.slice(0, 1));
    stream.destroy();
    expect(text.startsWith('{"level":"error"')).toBe(true);
  });

  it("openLog writes one line per entry, in order", async () => {
    const { path, stream, journal } = await fileStream("open-log");
    const log = await openLog(stream, { JOURNAL_STREAM: journal });
    for (const e of entries) log(e);
    await new Promise<void>((resolve) => stream.end(resolve));
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l.slice(3)).summary)).toEqual(entries.map((e) => e.summary));
  });
});

describe("on a terminal", () => {
  it("HH:MM:SS LEVEL prefix summary, no JSON and no priority", async () => {
    const tty = Object.assign(createWriteStream(join(dir, "tty")), { isTTY: true });
    await once(tty, "open");
    const fd = (tty as unknown as { fd: number }).fd;
    const s = fstatSync(fd, { bigint: true });
    const text = (await logRenderFor(tty, { JOURNAL_STREAM: `${s.dev}:${s.ino}` }))([
      { level: "warn", summary: "uvicorn: 2", prefix: "resolved: ", at: "2026-12-02T14:35:25Z" },
    ]);
    tty.destroy();
    expect(text).toMatch(/^\d\d:\d\d:\d\d WARN {2}resolved: uvicorn: 2\n$/);
    expect(terminalLine({ level: "notice", summary: "x" })).toMatch(/^\d\d:\d\d:\d\d NOTICE x\n$/);
  });
});

describe("plain text (an error message) under journald", () => {
  it("each line prefixed with the level's priority; elsewhere unchanged", async () => {
    const { stream, journal } = await fileStream("plain-text");
    const text = "cleanup: config invalid, nothing was done:\nrules.yaml:3:5: unknown key\n";
    expect(plainText(text, "error", stream, { JOURNAL_STREAM: journal })).toBe(
      "<3>cleanup: config invalid, nothing was done:\n<3>rules.yaml:3:5: unknown key\n",
    );
    expect(plainText(text, "error", stream, {})).toBe(text);
    stream.destroy();
  });
});
