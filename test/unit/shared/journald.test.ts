// JOURNAL_STREAM counts only for the stream whose fd is that very device and inode: the variable
// is inherited by everything a service starts, also where its output goes to a file or a pipe.
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fdIdentity, parseJournalStream, writesToJournal } from "../../../src/shared/journald.js";

let dir: string;
let fd: number;
let other: number;
/** A stream as writesToJournal sees one: only its fd matters. */
const streamOn = (n: number) => ({ fd: n }) as unknown as NodeJS.WritableStream;
const journalStreamOf = (n: number): string => {
  const s = fstatSync(n, { bigint: true });
  return `${s.dev}:${s.ino}`;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cleanup-journald-"));
  fd = openSync(join(dir, "a"), "w");
  other = openSync(join(dir, "b"), "w");
});
afterAll(() => {
  closeSync(fd);
  closeSync(other);
  rmSync(dir, { recursive: true });
});

describe("parseJournalStream", () => {
  it("reads DEVICE:INODE in decimal, inodes past 2^53 included", () => {
    expect(parseJournalStream("8:1234")).toEqual({ dev: 8n, ino: 1234n });
    expect(parseJournalStream("0:18446744073709551615")).toEqual({
      dev: 0n,
      ino: 18446744073709551615n,
    });
  });

  it.each([undefined, "", "8", "8:", ":12", "8:12:3", "a:b", " 8:12", "8:12\n", "-1:2"])(
    "%j is no journal stream",
    (value) => expect(parseJournalStream(value)).toBeNull(),
  );
});

describe("writesToJournal", () => {
  it("true when the stream's fd has JOURNAL_STREAM's device and inode", () => {
    expect(writesToJournal(streamOn(fd), { JOURNAL_STREAM: journalStreamOf(fd) })).toBe(true);
  });

  it("false for another file: the variable was inherited, the stream redirected", () => {
    expect(writesToJournal(streamOn(other), { JOURNAL_STREAM: journalStreamOf(fd) })).toBe(false);
  });

  it("false without the variable, with a malformed one, or for a stream without an fd", () => {
    expect(writesToJournal(streamOn(fd), {})).toBe(false);
    expect(writesToJournal(streamOn(fd), { JOURNAL_STREAM: "journal" })).toBe(false);
    const noFd = {} as NodeJS.WritableStream;
    expect(writesToJournal(noFd, { JOURNAL_STREAM: journalStreamOf(fd) })).toBe(false);
  });

  it("same inode on another device is another file", () => {
    const s = fstatSync(fd, { bigint: true });
    const env = { JOURNAL_STREAM: `${s.dev + 1n}:${s.ino}` };
    expect(writesToJournal(streamOn(fd), env)).toBe(false);
  });

  it("an fd that is not open is no journal stream", () => {
    expect(fdIdentity(1_000_000)).toBeNull();
    const identity = () => null;
    expect(writesToJournal(streamOn(fd), { JOURNAL_STREAM: "1:2" }, identity)).toBe(false);
  });
});
