// Parses /proc/PID/stat, as text or as the bytes read. Data in, plain data out: tests feed it
// hostile names.

/** PF_KTHREAD in include/linux/sched.h: set on kernel threads. */
const PF_KTHREAD = 0x00200000;

export interface StatFields {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgid: number;
  sid: number;
  flags: number;
  /** Field 20: threads in the process, the thread group leader counted even as a zombie. */
  threads: number;
  utimeTicks: number;
  stimeTicks: number;
  startTicks: number;
  rssPages: number;
  kernelThread: boolean;
}

/**
 * The name sits between the first "(" and the *last* ")": it may itself hold spaces and
 * parentheses (a process can name itself "foo) Z 1"). Fields after it are space-separated.
 * Fields are found by walking the spaces rather than split(" "): at 10,000 processes split made
 * half a million short-lived strings and most of the scan's garbage collection; the numbers
 * are read from the character codes for the same reason (9 MiB of substrings at 10,000).
 */
export function parseStat(text: string): StatFields | null {
  const open = text.indexOf(" (");
  const close = text.lastIndexOf(")");
  if (open <= 0 || close < open) return null;
  const pid = parseInteger(text, 0, open);
  let state = "";
  let ppid = NaN;
  let pgid = NaN;
  let sid = NaN;
  let flags = NaN;
  let threads = NaN;
  let utimeTicks = NaN;
  let stimeTicks = NaN;
  let startTicks = NaN;
  let rssPages = NaN;
  let start = close + 2;
  // Fields 3..24 of proc(5); only these are kept.
  for (let field = 3; field <= 24; field++) {
    let end = text.indexOf(" ", start);
    if (end < 0) end = text.length;
    if (start >= end) return null;
    switch (field) {
      case 3:
        state = text.slice(start, end);
        break;
      case 4:
        ppid = parseInteger(text, start, end);
        break;
      case 5:
        pgid = parseInteger(text, start, end);
        break;
      case 6:
        sid = parseInteger(text, start, end);
        break;
      case 9:
        flags = parseInteger(text, start, end);
        break;
      case 14:
        utimeTicks = parseInteger(text, start, end);
        break;
      case 15:
        stimeTicks = parseInteger(text, start, end);
        break;
      case 20:
        threads = parseInteger(text, start, end);
        break;
      case 22:
        startTicks = parseInteger(text, start, end);
        break;
      case 24:
        rssPages = parseInteger(text, start, end);
        break;
    }
    start = end + 1;
  }
  return statFields({
    pid,
    comm: text.slice(open + 2, close),
    state,
    ppid,
    pgid,
    sid,
    flags,
    threads,
    utimeTicks,
    stimeTicks,
    startTicks,
    rssPages,
  });
}

/** The fields of either parser, checked: null for a NaN identity. */
function statFields(fields: Omit<StatFields, "kernelThread">): StatFields | null {
  // The kernel never writes these, but a fixture or a future format might: no NaN identities.
  if (
    !Number.isInteger(fields.pid) ||
    !Number.isInteger(fields.ppid) ||
    !Number.isInteger(fields.startTicks)
  )
    return null;
  // The kernel's flag only: pid 2 and its children are kthreadd's on the host, but in a pid
  // namespace (docker --init, unshare -fp) pid 2 is an ordinary process. kthreadd and every
  // kernel thread carry PF_KTHREAD (kthreadd's flags here: 0x208040).
  return { ...fields, kernelThread: (fields.flags & PF_KTHREAD) !== 0 };
}

/** A decimal integer from text[start, end), without making a substring; NaN if it is not one. */
function parseInteger(text: string, start: number, end: number): number {
  let i = start;
  const negative = text.charCodeAt(i) === 45; // "-": tty_nr and tpgid can be -1
  if (negative) i += 1;
  if (i >= end) return NaN;
  let value = 0;
  for (; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

const SPACE = 0x20;
const OPEN = 0x28; // "("
const CLOSE = 0x29; // ")"

/**
 * parseStat of the first `length` bytes of `bytes` (the file as read, scan/read-file.ts
 * readStatFile), the same fields for the same bytes as parseStat of their UTF-8 text, without
 * making that text: only the name (and the one-letter state) become strings. Measured at
 * 10,000 processes: the text was a string per process that lived only to be parsed. Decoding
 * the name's bytes alone gives what cutting the decoded text gave, since "(", ")" and " " are
 * never part of a multi-byte sequence; so do the fields, which are cut at spaces. The one
 * place where bytes and characters could disagree, a non-ASCII byte right after the last ")"
 * (which parseStat skips as one character; the kernel writes a space there), goes to parseStat.
 */
export function parseStatBytes(bytes: Buffer, length: number): StatFields | null {
  let open = -1;
  for (let i = 0; i + 1 < length; i++) {
    if (bytes[i] === SPACE && bytes[i + 1] === OPEN) {
      open = i;
      break;
    }
  }
  let close = -1;
  for (let i = length - 1; i >= 0; i--) {
    if (bytes[i] === CLOSE) {
      close = i;
      break;
    }
  }
  if (open <= 0 || close < open) return null;
  if (close + 1 < length && (bytes[close + 1] as number) >= 0x80)
    return parseStat(bytes.toString("utf8", 0, length));
  const pid = parseIntegerIn(bytes, 0, open);
  let state = "";
  let ppid = NaN;
  let pgid = NaN;
  let sid = NaN;
  let flags = NaN;
  let threads = NaN;
  let utimeTicks = NaN;
  let stimeTicks = NaN;
  let startTicks = NaN;
  let rssPages = NaN;
  let start = close + 2;
  // Fields 3..24 of proc(5); only these are kept.
  for (let field = 3; field <= 24; field++) {
    let end = start;
    while (end < length && bytes[end] !== SPACE) end++;
    if (start >= end) return null;
    switch (field) {
      case 3:
        state = text(bytes, start, end);
        break;
      case 4:
        ppid = parseIntegerIn(bytes, start, end);
        break;
      case 5:
        pgid = parseIntegerIn(bytes, start, end);
        break;
      case 6:
        sid = parseIntegerIn(bytes, start, end);
        break;
      case 9:
        flags = parseIntegerIn(bytes, start, end);
        break;
      case 14:
        utimeTicks = parseIntegerIn(bytes, start, end);
        break;
      case 15:
        stimeTicks = parseIntegerIn(bytes, start, end);
        break;
      case 20:
        threads = parseIntegerIn(bytes, start, end);
        break;
      case 22:
        startTicks = parseIntegerIn(bytes, start, end);
        break;
      case 24:
        rssPages = parseIntegerIn(bytes, start, end);
        break;
    }
    start = end + 1;
  }
  return statFields({
    pid,
    comm: text(bytes, open + 2, close),
    state,
    ppid,
    pgid,
    sid,
    flags,
    threads,
    utimeTicks,
    stimeTicks,
    startTicks,
    rssPages,
  });
}

/** bytes[start, end) as UTF-8; one ASCII letter (the state) without decoding. */
function text(bytes: Buffer, start: number, end: number): string {
  const first = bytes[start] as number;
  if (end - start === 1 && first < 0x80) return String.fromCharCode(first);
  return bytes.toString("utf8", start, end);
}

/** A decimal integer from bytes[start, end), without making a string; NaN if it is not one. */
function parseIntegerIn(bytes: Buffer, start: number, end: number): number {
  let i = start;
  const negative = bytes[i] === 45; // "-": tty_nr and tpgid can be -1
  if (negative) i += 1;
  if (i >= end) return NaN;
  let value = 0;
  for (; i < end; i++) {
    const digit = (bytes[i] as number) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/** Field 22 only: the cheap re-read before every signal. */
export function parseStartTicks(text: string): number | null {
  const fields = parseStat(text);
  return fields ? fields.startTicks : null;
}
