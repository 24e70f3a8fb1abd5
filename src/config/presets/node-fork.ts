// `node-fork`: Node.js children of child_process.fork() and cluster workers whose parent died.
// fork() runs `node [execArgv] MODULE [args]`, cluster workers the primary's own argv; their
// marks (NODE_CHANNEL_FD, NODE_UNIQUE_ID) are in the environment, which is not read.
import { definePreset } from "./spec.js";
import { FORK_CHILD_CONDITIONS } from "./python-fork-pool.js";

export const nodeFork = definePreset({
  name: "node-fork",
  summary: "Node.js child_process.fork children and cluster workers whose parent died",
  recognises:
    "the command line the rule names (`node worker.js …`; a cluster worker's is the primary's); parent PID 1 or a subreaper; not its group's leader, the leader (the dead parent) gone; not its session's leader",
  safety:
    "the children of a live parent have it as their parent; a Node service with the same argv started by systemd or `setsid` leads its group (`group_leader: self`). A cluster worker exits by itself when its IPC channel closes; a fork() child stays while it has work or timers",
  match: { ...FORK_CHILD_CONDITIONS },
  needsCmdline: true,
});
