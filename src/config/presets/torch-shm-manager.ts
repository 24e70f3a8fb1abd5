// `torch-shm-manager`: libshm's manager of shared-memory segments (the file_system sharing
// strategy). libshm forks and execs it as `torch_shm_manager` (torch/lib/libshm/core.cpp
// start_manager); it calls setsid() (manager.cpp) and exits 2 s after its last client left.
import { definePreset } from "./spec.js";

export const torchShmManager = definePreset({
  name: "torch-shm-manager",
  summary: "PyTorch's torch_shm_manager left behind (alert or report only)",
  recognises:
    "argv `torch_shm_manager` (libshm's execl gives no path and no argument), or a path ending in `/torch_shm_manager`; parent PID 1 or a subreaper",
  safety:
    "it cannot kill safely, so `check` rejects it in a kill rule: the process that started the manager may be a DataLoader worker that has since exited, which leaves the manager with parent 1 while the training still uses it; it leads its own session, so no group or session fact tells. A lingering one still has clients (it exits 2 s after the last): kill those (pytorch-dataloader) and it goes",
  match: {
    cmdline: "^(?:\\S*/)?torch_shm_manager(?: |$)",
    orphaned: true,
  },
  notForKill:
    "a manager a running training still uses (started by a DataLoader worker that exited) has the same facts",
});
