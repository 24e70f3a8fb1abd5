// `uvicorn-worker`: uvicorn's `--workers N` processes whose supervisor died. uvicorn starts
// them with multiprocessing's spawn context (uvicorn/subprocess.py get_subprocess).
import { definePreset } from "./spec.js";

export const uvicornWorker = definePreset({
  name: "uvicorn-worker",
  summary: "uvicorn workers (and --reload servers) whose supervisor died",
  recognises:
    "`python -c 'from multiprocessing.spawn import spawn_main; spawn_main(…)' --multiprocessing-fork` (uvicorn's workers are spawn children: nothing in their argv says uvicorn, so name the interpreter or the environment with the rule's own `cmdline`); parent PID 1 or a subreaper; not its group's leader, the leader (the dead supervisor) gone",
  safety:
    "the supervisor (`uvicorn app:app --workers N`) has no spawn_main in its argv; the workers of a live supervisor have it as their parent; a uvicorn started as a service is its own group's leader",
  match: {
    cmdline: " -c from multiprocessing\\.spawn import spawn_main\\b",
    orphaned: true,
    group_leader: "gone",
  },
});
