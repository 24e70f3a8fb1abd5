// A `cleanup daemon` the test starts itself: its JSON event lines as they come, and its exit.
import { spawn, type ChildProcess } from "node:child_process";
import { CLI } from "./scene.js";

export interface StartedDaemon {
  child: ChildProcess;
  /** Every stdout line that is a JSON object (the daemon's events and its runs' log lines). */
  events: Record<string, unknown>[];
  exited: Promise<{ code: number | null; at: number }>;
}

export function spawnDaemon(args: string[]): StartedDaemon {
  const child = spawn(process.execPath, [CLI, "daemon", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events: Record<string, unknown>[] = [];
  let buffer = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
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
