// `joblib-loky`: loky's worker processes and its resource tracker (joblib's default backend).
// loky starts them with fork+exec and writes their argv itself
// (joblib/externals/loky/backend/popen_loky_posix.py, resource_tracker.py).
import { definePreset } from "./spec.js";

export const joblibLoky = definePreset({
  name: "joblib-loky",
  summary: "joblib/loky workers and loky's resource tracker",
  recognises:
    "`python -m joblib.externals.loky.backend.popen_loky_posix --process-name LokyProcess-N --pipe FD` (or `loky.backend.popen_loky_posix` of the stand-alone loky), `python -c 'from joblib.externals.loky.backend.resource_tracker import main; main(FD, 0)'`; parent PID 1 or a subreaper",
  safety:
    "only loky writes this argv, for a child of the program whose executor it is: while that program runs it is the parent, so `orphaned` fails",
  match: {
    cmdline:
      " (?:-m (?:joblib\\.externals\\.)?loky\\.backend\\.popen_loky_posix|-c from (?:joblib\\.externals\\.)?loky\\.backend\\.resource_tracker import main)\\b",
    orphaned: true,
  },
});
