// Whether this host can tell what the cgroup/unit keys of a rules file ask (config/host-facts.ts):
// its own /proc/self/cgroup has a path the scan understands, and it was booted with systemd
// (sd_booted(3): /run/systemd/system exists) with a systemctl to ask.
import { existsSync } from "node:fs";
import type { HostFacts } from "../config/host-facts.js";
import { readCgroup } from "../scan/cgroup.js";

export function readHostFacts(procRoot = "/proc", runSystemd = "/run/systemd/system"): HostFacts {
  let cgroup: string | null;
  try {
    cgroup =
      readCgroup(procRoot, process.pid) === null
        ? `${procRoot}/${process.pid}/cgroup has no cgroup v2 path and no systemd hierarchy`
        : null;
  } catch {
    cgroup = `${procRoot}/${process.pid}/cgroup cannot be read`;
  }
  const systemctl = ["/usr/bin/systemctl", "/bin/systemctl"].some((p) => existsSync(p));
  const systemd = !existsSync(runSystemd)
    ? `this host was not booted with systemd (no ${runSystemd})`
    : !systemctl
      ? "systemctl not found"
      : null;
  return { cgroup, systemd };
}
