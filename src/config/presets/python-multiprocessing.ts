// `python-multiprocessing`: the children multiprocessing starts with an interpreter of their
// own (spawn, forkserver) and its resource tracker. CPython writes their argv itself
// (Lib/multiprocessing/spawn.py get_command_line, forkserver.py, resource_tracker.py).
import { definePreset } from "./spec.js";

export const pythonMultiprocessing = definePreset({
  name: "python-multiprocessing",
  summary: "Python multiprocessing spawn and forkserver children and the resource tracker",
  recognises:
    "`python -c 'from multiprocessing.spawn import spawn_main; spawn_main(…)' --multiprocessing-fork` (spawn children, also uvicorn's and torch.multiprocessing's), `-c 'from multiprocessing.forkserver import main; main(…)'` (the fork server and its children), `-c 'from multiprocessing.resource_tracker import main;main(N)'`; parent PID 1 or a subreaper",
  safety:
    "only multiprocessing writes this argv, and only for a child of the program that started it: while that program runs it is the parent, so `orphaned` fails; a service's own process never has this argv",
  match: {
    cmdline:
      " -c from multiprocessing\\.(?:spawn import spawn_main|forkserver import main|resource_tracker import main)\\b",
    orphaned: true,
  },
});
