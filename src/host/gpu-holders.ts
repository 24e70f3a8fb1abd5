// `cleanup status`: the orphans (parent PID 1 or a reaper) that hold a GPU device open, without
// any rule. An orphaned DataLoader or multiprocessing worker keeps the GPU memory its parent
// gave it for as long as it holds the device (pytorch #1085, #5736, #8805); nvidia-smi shows the
// memory, not that its holder's parent is gone.
//
// The fds of at most GPU_ORPHANS_LIMIT orphans are listed (the largest by RSS: a GPU worker
// maps its CUDA context, hundreds of MiB), each bounded by OPEN_FILES_LIMIT (scan/fd-targets.ts).
// Which processes are orphans is the caller's (rules/orphans.ts judges reapers; host/ sits
// below rules/).
import { argvExcerpt } from "../shared/argv-excerpt.js";
import { OPEN_FILES_LIMIT, readFdTargets } from "../scan/fd-targets.js";
import type { ProcessInfo } from "../scan/types.js";
import { UserNames, withDetails } from "./process-details.js";

/**
 * NVIDIA (/dev/nvidia0, nvidiactl, nvidia-uvm), DRM render nodes (AMD, Intel), AMD's ROCm. A
 * node udev has since removed and made again reads " (deleted)": its holder still holds the GPU.
 */
export const GPU_DEVICE = /^\/dev\/(nvidia[\w-]*|dri\/renderD\d+|kfd)( \(deleted\))?$/;

/** The most orphans whose fds `status` lists, the largest by RSS first. */
export const GPU_ORPHANS_LIMIT = 1000;

export interface GpuHolder {
  pid: number;
  startTicks: number;
  ppid: number;
  user: string | null;
  comm: string;
  /** An excerpt, as in a plan (shared/argv-excerpt.ts). */
  argv: string[];
  argvTruncated?: true;
  argvBytes?: number;
  rssBytes: number;
  ageMs: number;
  /** The GPU devices it holds open, each once, in fd order. */
  devices: string[];
}

export interface GpuHolders {
  holders: GpuHolder[];
  /** Orphans whose fds were listed. */
  checked: number;
  /** Orphans not looked at: beyond GPU_ORPHANS_LIMIT (the smallest by RSS). */
  skipped: number;
  /** Orphans whose fds could not be listed (another user's, as non-root; over OPEN_FILES_LIMIT). */
  unreadable: number;
}

export function readGpuHolders(
  processes: readonly ProcessInfo[],
  isOrphan: (p: ProcessInfo) => boolean,
  procRoot: string,
  passwdPath = "/etc/passwd",
): GpuHolders {
  const orphans = processes
    .filter((p) => !p.kernelThread && p.pid > 1 && isOrphan(p))
    .sort((a, b) => b.rssBytes - a.rssBytes);
  const looked = orphans.slice(0, GPU_ORPHANS_LIMIT);
  const holders: GpuHolder[] = [];
  let unreadable = 0;
  const users = new UserNames(passwdPath);
  for (const p of looked) {
    // A `holds` rule may have had them read already (null: unknown there too).
    const targets =
      p.openFiles !== undefined ? p.openFiles : readFdTargets(procRoot, p.pid, OPEN_FILES_LIMIT);
    if (targets === null) {
      unreadable += 1;
      continue;
    }
    const devices = [...new Set(targets.filter((t) => GPU_DEVICE.test(t)))];
    if (devices.length === 0) continue;
    const detailed = withDetails(p, procRoot, users);
    if (detailed === null) continue; // gone since its fds were read
    holders.push({
      pid: p.pid,
      startTicks: p.startTicks,
      ppid: p.ppid,
      user: detailed.user,
      comm: p.comm,
      ...argvExcerpt(detailed.argv ?? [], {
        truncated: detailed.argvTruncated === true,
        bytes: detailed.argvBytes ?? null,
      }),
      rssBytes: p.rssBytes,
      ageMs: p.ageMs,
      devices,
    });
  }
  return {
    holders,
    checked: looked.length - unreadable,
    skipped: orphans.length - looked.length,
    unreadable,
  };
}
