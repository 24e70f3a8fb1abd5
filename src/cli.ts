#!/usr/bin/env node
// The `cleanup` binary. The exit code is set here, from the Exit main() returns, and nowhere else.
import { setFlagsFromString } from "node:v8";

// A one-shot run allocates in one burst (10,000 /proc reads) and exits; V8 answers such a burst
// by growing the young generation to 32 MiB, which is most of the agent's memory. Measured at
// 10,000 processes: peak RSS 103 MiB by default, 80 MiB without semi-space growth, same speed.
// (--max-semi-space-size can only be given before start; the growth factor is read at each GC.)
setFlagsFromString("--semi-space-growth-factor=1");
const { isRunChild } = await import("./daemon/run-child-env.js");

if (isRunChild()) {
  // One run for `cleanup daemon` (see src/daemon/run-process.ts): the report goes back over IPC.
  const { serveRun } = await import("./commands/machinery.js");
  await serveRun();
} else {
  const { main } = await import("./main.js");
  const exit = await main(process.argv);
  // A daemon that gave up on a run in progress ends now (exit.now); that run's timers would keep
  // it alive. Otherwise the process ends by itself once stdout is flushed.
  if (exit.now) process.exit(exit.code);
  else process.exitCode = exit.code;
}
