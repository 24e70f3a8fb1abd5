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
 */
export function parseStat(text: string): StatFields | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open));
  const rest = text.slice(close + 2).split(" ");
  // rest[0] is field 3 (state); field N is rest[N - 3].
  if (rest.length < 22 || open === 0 || !Number.isInteger(pid)) return null;
  const ppid = Number(rest[1]);
  const flags = Number(rest[6]);
  const startTicks = Number(rest[19]);
  // The kernel never writes these, but a fixture or a future format might: no NaN identities.
  if (!Number.isInteger(ppid) || !Number.isInteger(startTicks)) return null;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] as string,
    ppid,
    pgid: Number(rest[2]),
    sid: Number(rest[3]),
    flags,
    utimeTicks: Number(rest[11]),
    stimeTicks: Number(rest[12]),
    startTicks,
    rssPages: Number(rest[21]),
    // kthreadd is pid 2 and parents every other kernel thread.
    kernelThread: (flags & PF_KTHREAD) !== 0 || pid === 2 || ppid === 2,
  };
}

/** Field 22 only: the cheap re-read before every signal. */
export function parseStartTicks(text: string): number | null {
  const fields = parseStat(text);
  return fields ? fields.startTicks : null;
}
