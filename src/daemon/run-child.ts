// The child side of a daemon's run: `cleanup daemon` forks its own bundle with RUN_CHILD_ENV set,
// and cli.ts hands over to serveRun() instead of main(). One run, its report sent back over the
// IPC channel (structured clone: the daemon gets the RunReport itself, not a JSON rendering),
// then the child ends. See run-process.ts for why a process and not a worker thread.
import { exitCodeForError } from "../exit-codes.js";
import type { RunReport } from "../report/run-report.js";
import { runOnce } from "../run/run-once.js";
import { RUN_CHILD_ENV } from "./run-child-env.js";

export interface RunRequest {
  configPath: string;
  stateDir?: string;
}

export type RunMessage =
  | { kind: "deadline"; limitMs: number }
  | { kind: "report"; report: RunReport }
  | { kind: "error"; exitCode: number; message: string };

export async function serveRun(): Promise<void> {
  // Not inherited further: nothing this run starts is a run child.
  delete process.env[RUN_CHILD_ENV];
  const request = await new Promise<RunRequest>((resolve) =>
    process.once("message", (m) => resolve(m as RunRequest)),
  );
  let message: RunMessage;
  try {
    const report = await runOnce({
      configPath: request.configPath,
      mode: "run",
      ...(request.stateDir && { stateDir: request.stateDir }),
      // The daemon's stderr (inherited): its log lines and the runs' are one stream.
      logStream: process.stderr,
      onDeadline: (limitMs) => void send({ kind: "deadline", limitMs }),
    });
    message = { kind: "report", report };
  } catch (error) {
    message = {
      kind: "error",
      exitCode: exitCodeForError(error),
      message: (error as Error).message ?? String(error),
    };
  }
  await send(message);
  process.disconnect?.();
}

function send(message: RunMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}
