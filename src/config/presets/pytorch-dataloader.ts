// `pytorch-dataloader`: DataLoader worker processes whose training process died. On Linux they
// are forks of `python train.py` (multiprocessing's fork context): no argv of their own.
import { definePreset } from "./spec.js";
import { FORK_CHILD_CONDITIONS } from "./python-fork-pool.js";

export const pytorchDataloader = definePreset({
  name: "pytorch-dataloader",
  summary: "PyTorch DataLoader workers whose training process died",
  recognises:
    "the command line the rule names (a worker's argv is the training's: `python train.py …`); parent PID 1 or a subreaper; not its group's leader, the leader (the dead training process) gone; not its session's leader",
  safety:
    "the workers of a running training have it as their parent (`orphaned: false`); a training started as a service leads its group (`group_leader: self`). As with python-fork-pool, the rule must not name a program that daemonizes itself",
  match: { ...FORK_CHILD_CONDITIONS },
  needsCmdline: true,
});
