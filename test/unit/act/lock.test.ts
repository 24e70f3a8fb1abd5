import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOCK_FILE, acquireLock, type LockHolder } from "../../../src/act/lock.js";
import { parseStat } from "../../../src/scan/parse-stat.js";

function identity(pid: number): LockHolder {
  const stat = parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"))!;
  return { pid, startTicks: stat.startTicks, since: new Date().toISOString() };
}

// Two live identities: this test process and its parent.
const me = identity(process.pid);
const other = identity(process.ppid);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cleanup-lock-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("acquireLock", () => {
  it("one holder at a time; released, it can be taken again", () => {
    const first = acquireLock(dir, "/proc", me);
    expect(first.held).toBe(true);
    const second = acquireLock(dir, "/proc", other);
    expect(second).toEqual({ held: false, holder: me });
    if (first.held) first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(acquireLock(dir, "/proc", other).held).toBe(true);
  });

  it("takes over the lock of a dead holder (same pid, other start time = reused pid)", () => {
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ ...other, startTicks: other.startTicks + 1 }),
    );
    const result = acquireLock(dir, "/proc", me);
    expect(result.held).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"))).toEqual(me);
  });

  it("takes over a corrupt lock file", () => {
    writeFileSync(join(dir, LOCK_FILE), "{not json");
    expect(acquireLock(dir, "/proc", me).held).toBe(true);
  });

  it("release leaves a lock that is not ours alone", () => {
    const first = acquireLock(dir, "/proc", me);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(other));
    if (first.held) first.release();
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"))).toEqual(other);
  });

  it("leaves no temp files behind", () => {
    const first = acquireLock(dir, "/proc", me);
    acquireLock(dir, "/proc", other);
    if (first.held) first.release();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("acquireLock: takeover markers (review)", () => {
  const dead = (holder: LockHolder): LockHolder => ({
    ...holder,
    startTicks: holder.startTicks + 1,
  });

  it("a marker left by a taker that died is cleared, and the stale lock taken over", () => {
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(dead(other)));
    writeFileSync(join(dir, `${LOCK_FILE}.takeover`), JSON.stringify(dead(other)));
    const result = acquireLock(dir, "/proc", me);
    expect(result.held).toBe(true);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
  });

  it("a live taker's marker means busy, and is left alone", () => {
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(dead(other)));
    writeFileSync(join(dir, `${LOCK_FILE}.takeover`), JSON.stringify(other));
    const result = acquireLock(dir, "/proc", me);
    expect(result.held).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, `${LOCK_FILE}.takeover`), "utf8"))).toEqual(other);
  });
});
