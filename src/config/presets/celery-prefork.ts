// `celery-prefork`: the prefork pool's children of a celery worker that died. billiard forks
// them; with setproctitle installed celery names them (celery/platforms.py
// set_mp_process_title, celery/concurrency/prefork.py process_initializer).
import { definePreset } from "./spec.js";

export const celeryPrefork = definePreset({
  name: "celery-prefork",
  summary: "celery prefork pool children whose worker died (named by setproctitle)",
  recognises:
    "`[celeryd: NODE:ForkPoolWorker-N]` (the title celery gives a pool child when python3-setproctitle is installed); parent PID 1 or a subreaper; not its group's leader, the leader (the dead worker) gone",
  safety:
    "the worker's main process is titled `[celeryd: NODE:MainProcess] …` and never matches, detached (`--detach`, `celery multi`) or not; the children of a live worker have it as their parent. Without setproctitle (or with NOSETPS) a child's argv is the worker's (`celery -A proj worker …`): use python-fork-pool with that command line (not for a worker started with `--detach`, which has a child's facts). celery 5.2 (Debian 12) gives its pool children PR_SET_PDEATHSIG(SIGKILL), so they die with their worker; the preset is for the ones that do not (older celery, a child that reset it)",
  match: {
    cmdline: "^\\[celeryd: \\S*:ForkPoolWorker-\\d+\\]",
    orphaned: true,
    group_leader: "gone",
  },
});
