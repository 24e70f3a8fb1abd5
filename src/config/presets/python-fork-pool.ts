// `python-fork-pool`: the children of a fork-method pool (multiprocessing's default start
// method on Linux before Python 3.14) whose parent died. They carry the parent's own argv, so
// the preset has no signature: the rule names the program's command line.
import { definePreset, type PresetMatch } from "./spec.js";

/** A fork child whose parent died: reparented, its group's leader gone, not a session leader. */
export const FORK_CHILD_CONDITIONS: PresetMatch = {
  orphaned: true,
  group_leader: "gone",
  session_leader: ["alive", "gone"],
};

export const pythonForkPool = definePreset({
  name: "python-fork-pool",
  summary: "children of a fork-method multiprocessing pool whose parent died",
  recognises:
    "the command line the rule names (a fork child's argv is its parent's: `python -m app.worker …`); parent PID 1 or a subreaper; not its group's leader, the leader (the dead parent) gone; not its session's leader",
  safety:
    "a service with the same argv started by systemd or `setsid` leads its group and its session (`group_leader: self`), and the children of a live pool have their parent (`orphaned: false`). A program that daemonizes itself (double fork: `--daemon`, `--detach`, `Type=forking`) has the very facts of a pool child: do not name such a program's command line",
  match: { ...FORK_CHILD_CONDITIONS },
  needsCmdline: true,
});
