// Whether this process is one run of `cleanup daemon` (see run-child.ts): apart from run-child.ts
// so that src/cli.ts can ask without loading the run machinery every other command does not need.

export const RUN_CHILD_ENV = "CLEANUP_DAEMON_RUN";

export function isRunChild(): boolean {
  return process.env[RUN_CHILD_ENV] === "1" && typeof process.send === "function";
}
