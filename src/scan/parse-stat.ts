// Parses the text of /proc/PID/stat. Only text in, plain data out: tests feed it hostile names.

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
 * half a million short-lived strings and most of the scan's garbage collection.
 */
export function parseStat(text: string): StatFields | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open <= 0 || close < open) return null;
  const pid = Number(text.slice(0, open));
  // fields[n] = field n+3 of proc(5), for the ones we keep (3..24).
  const fields: number[] = [];
  let state = "";
  let start = close + 2;
  for (let field = 3; field <= 24; field++) {
    let end = text.indexOf(" ", start);
    if (end < 0) end = text.length;
    if (start >= end) return null;
    if (field === 3) state = text.slice(start, end);
    else if (WANTED[field]) fields[field] = Number(text.slice(start, end));
    start = end + 1;
  }
  const ppid = fields[4] as number;
  const flags = fields[9] as number;
  const startTicks = fields[22] as number;
  // The kernel never writes these, but a fixture or a future format might: no NaN identities.
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isInteger(startTicks))
    return null;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state,
    ppid,
    pgid: fields[5] as number,
    sid: fields[6] as number,
    flags,
    utimeTicks: fields[14] as number,
    stimeTicks: fields[15] as number,
    startTicks,
    rssPages: fields[24] as number,
    // kthreadd is pid 2 and parents every other kernel thread.
    kernelThread: (flags & PF_KTHREAD) !== 0 || pid === 2 || ppid === 2,
  };
}

/** proc(5) field numbers parseStat keeps, besides the state (3). */
const WANTED: boolean[] = [];
for (const field of [4, 5, 6, 9, 14, 15, 22, 24]) WANTED[field] = true;

/** Field 22 only: the cheap re-read before every signal. */
export function parseStartTicks(text: string): number | null {
  const fields = parseStat(text);
  return fields ? fields.startTicks : null;
}
