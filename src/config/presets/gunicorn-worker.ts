// `gunicorn-worker`: gunicorn workers whose master (arbiter) died. With setproctitle installed
// gunicorn names them (gunicorn/util.py _setproctitle, arbiter.py spawn_worker).
import { definePreset } from "./spec.js";

export const gunicornWorker = definePreset({
  name: "gunicorn-worker",
  summary: "gunicorn workers whose master died (workers named by setproctitle)",
  recognises:
    "`gunicorn: worker [APP]` (the title gunicorn gives a worker when python3-setproctitle is installed; APP is `proc_name`, by default the app's module); parent PID 1 or a subreaper; not its group's leader, the leader (the dead master) gone",
  safety:
    "the master is titled `gunicorn: master [APP]` and never matches, daemonized (`--daemon`) or not; the workers of a live master have it as their parent. Without setproctitle a worker's argv is the master's: use python-fork-pool with the master's command line (and not for a master started with `--daemon`, which has a worker's facts). A sync worker notices a dead master between requests and exits; what stays is a worker stuck in a request",
  match: {
    cmdline: "^gunicorn: worker \\[",
    orphaned: true,
    group_leader: "gone",
  },
});
