#!/usr/bin/env node
// The `cleanup` binary. The exit code is set here, from the Exit main() returns, and nowhere else.
// Static imports: what --version and --help need is one file with this one (see
// scripts/build.mjs); what a run needs is loaded by the run (src/commands/machinery.ts, by
// loadMachinery(), which also sets the young generation's growth for a run's burst of
// allocations).
import { isRunChild } from "./daemon/run-child-env.js";
import { main } from "./main.js";
import { loadMachinery } from "./commands/cached-script.js";

if (isRunChild()) {
  // One run for `cleanup daemon` (see src/daemon/run-process.ts): the report goes back over IPC.
  const { serveRun } = await loadMachinery();
  await serveRun();
} else {
  const exit = await main(process.argv);
  // A daemon that gave up on a run in progress ends now (exit.now); that run's timers would keep
  // it alive. Otherwise the process ends by itself once stdout is flushed.
  if (exit.now) process.exit(exit.code);
  else process.exitCode = exit.code;
}
