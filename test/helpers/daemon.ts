// A `cleanup daemon` the test starts itself: its JSON event lines (on stderr) as they come, and
// its exit.
import { spawn, type ChildProcess } from "node:child_process";
import { CLI } from "./scene.js";

export interface StartedDaemon {
  child: ChildProcess;
  /** Every stderr line that is a JSON object (the daemon's events and its runs' log lines). */
  events: Record<string, unknown>[];
  exited: Promise<{ code: number | null; at: number }>;
}

/** Every daemon spawnDaemon started in this test file, for killDaemons. */
const started: ChildProcess[] = [];

/** SIGKILLs, by its handle, every daemon spawnDaemon started that still runs (for afterEach). */
export function killDaemons(): void {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/** The URL of the daemon's health endpoint, once its `health` event has come. */
export const healthUrl = (events: Record<string, unknown>[]): string | undefined =>
  events.find((e) => e.event === "health")?.url as string | undefined;

/** `cleanup daemon ARGS…` as our own child. */
export function spawnDaemon(args: string[]): StartedDaemon {
  const child = spawn(process.execPath, [CLI, "daemon", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  const events: Record<string, unknown>[] = [];
  let buffer = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      try {
        events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // anything that is not JSON is ignored
      }
    }
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.on("exit", (code) => resolve({ code, at: performance.now() })),
  );
  return { child, events, exited };
}
