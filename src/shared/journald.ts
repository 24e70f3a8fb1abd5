// Is this stream connected to journald? systemd sets JOURNAL_STREAM=DEVICE:INODE (decimal) for a
// service whose stdout or stderr it connected to the journal (sd_journal_stream_fd(3),
// systemd.exec(5) "Environment variables in spawned processes"). The variable is inherited by
// everything the service starts, also where a stream was redirected to a file or a pipe, so it
// counts only when the stream's own fd has that device and inode: then, and only then, a line
// may start with a syslog priority prefix `<N>`, which journald (SyslogLevelPrefix=, on by
// default) strips and records as PRIORITY=N.
import { fstatSync } from "node:fs";

export interface DeviceInode {
  dev: bigint;
  ino: bigint;
}

/** JOURNAL_STREAM's "DEVICE:INODE", or null when it is unset or not two decimal numbers. */
export function parseJournalStream(value: string | undefined): DeviceInode | null {
  const match = /^(\d+):(\d+)$/.exec(value ?? "");
  return match ? { dev: BigInt(match[1]!), ino: BigInt(match[2]!) } : null;
}

/** The device and inode of an open fd, or null (closed, or not an fd at all). */
export function fdIdentity(fd: number): DeviceInode | null {
  try {
    const stat = fstatSync(fd, { bigint: true });
    return { dev: stat.dev, ino: stat.ino };
  } catch {
    return null;
  }
}

/**
 * Whether `stream` writes straight into journald. A stream without an fd (a test's collector)
 * never does. `identity` is injectable for tests; the default reads the real fd.
 */
export function writesToJournal(
  stream: NodeJS.WritableStream,
  env: NodeJS.ProcessEnv = process.env,
  identity: (fd: number) => DeviceInode | null = fdIdentity,
): boolean {
  const expected = parseJournalStream(env.JOURNAL_STREAM);
  const fd = (stream as { fd?: unknown }).fd;
  if (!expected || typeof fd !== "number") return false;
  const actual = identity(fd);
  return actual !== null && actual.dev === expected.dev && actual.ino === expected.ino;
}
