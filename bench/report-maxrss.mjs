// Preloaded by bench/run.mjs with `node --import`: when the process exits, writes its peak
// resident set size (KiB, from getrusage) to the file named by $BENCH_MAXRSS_FILE.
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_MAXRSS_FILE;
if (file) {
  process.on("exit", () => {
    try {
      writeFileSync(file, `${process.resourceUsage().maxRSS}\n`);
    } catch {
      // The bench reports a missing figure; never change the agent's exit status.
    }
  });
}
