// The largest processes, by RSS and, where readable, PSS. Multiprocessing children share their
// parent's pages copy-on-write, so RSS counts shared pages once per child and overstates them;
// PSS divides each shared page among its sharers. PSS needs /proc/PID/smaps_rollup (root, or
// the process's owner) and walks the page tables, so it is read for the 2N largest by RSS only
// (PSS ≤ RSS, so a process outside those can only make the list if its own RSS is larger).
import { argvExcerpt, type ArgvExcerpt } from "../shared/argv-excerpt.js";
import { readCmdline } from "../scan/cmdline.js";
import { isVanished, readProcTextIfPresent } from "../scan/read-file.js";
import type { ProcessInfo } from "../scan/types.js";

export interface TopProcess {
  pid: number;
  startTicks: number;
  user: string | null;
  comm: string;
  /** An excerpt, as in a plan (shared/argv-excerpt.ts). */
  argv: string[];
  argvTruncated?: true;
  argvBytes?: number;
  ageMs: number;
  rssBytes: number;
  /** null: smaps_rollup not readable. */
  pssBytes: number | null;
  /** Since the previous run or the in-run sample; null when there is neither for this process. */
  cpuPercent: number | null;
}

/** "Pss:  1234 kB" from smaps_rollup, in bytes. */
export function parsePss(text: string): number | null {
  const match = /^Pss:\s+(\d+) kB$/m.exec(text);
  return match ? Number(match[1]) * 1024 : null;
}

export function readTopProcesses(
  processes: readonly ProcessInfo[],
  count: number,
  procRoot: string,
  cpuOf: (p: ProcessInfo) => number | null,
): TopProcess[] {
  if (count <= 0) return [];
  const byRss = processes.filter((p) => !p.kernelThread).sort((a, b) => b.rssBytes - a.rssBytes);
  const top: TopProcess[] = [];
  for (const p of byRss.slice(0, count * 2)) {
    let pss: number | null = null;
    let command: ArgvExcerpt | null = p.argv
      ? argvExcerpt(p.argv, { truncated: p.argvTruncated === true, bytes: p.argvBytes ?? null })
      : null;
    try {
      command ??= cmdlineIfPresent(procRoot, p.pid);
      const rollup = readProcTextIfPresent(`${procRoot}/${p.pid}/smaps_rollup`);
      if (rollup === null) continue; // gone since the scan
      pss = parsePss(rollup);
    } catch {
      // EACCES on another user's smaps_rollup without root: RSS is still known.
    }
    top.push({
      pid: p.pid,
      startTicks: p.startTicks,
      user: p.user,
      comm: p.comm,
      ...(command ?? { argv: [] }),
      ageMs: p.ageMs,
      rssBytes: p.rssBytes,
      pssBytes: pss,
      cpuPercent: cpuOf(p),
    });
  }
  // PSS where readable: a pool of children sharing their parent's pages shows what it really holds.
  top.sort((a, b) => (b.pssBytes ?? b.rssBytes) - (a.pssBytes ?? a.rssBytes));
  return top.slice(0, count);
}

function cmdlineIfPresent(procRoot: string, pid: number): ArgvExcerpt {
  try {
    const cmdline = readCmdline(procRoot, pid);
    return argvExcerpt(cmdline.argv, cmdline);
  } catch (error) {
    if (isVanished(error)) return { argv: [] };
    throw error;
  }
}
