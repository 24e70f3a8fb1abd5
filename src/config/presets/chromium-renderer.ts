// `chromium-renderer`: the child processes of a (headless) Chrome or Chromium browser that
// died: the browser starts each with a `--type=` switch (content/public/common/content_switches.cc).
import { definePreset } from "./spec.js";

export const chromiumRenderer = definePreset({
  name: "chromium-renderer",
  summary:
    "headless Chrome/Chromium renderers, zygotes, GPU and utility processes whose browser died",
  recognises:
    "`chrome --type=renderer …`, `--type=zygote`, `--type=gpu-process`, `--type=utility` (any executable: chrome, chromium, headless_shell, an Electron app); parent PID 1 or a subreaper",
  safety:
    "the browser process itself has no `--type=` switch; the zygote, GPU and utility processes of a live browser have it as their parent, its renderers the zygote. Chrome's crashpad handler, which is orphaned on purpose while the browser runs, has no such switch either",
  match: {
    cmdline: " --type=(?:renderer|zygote|gpu-process|utility)(?: |$)",
    orphaned: true,
  },
});
