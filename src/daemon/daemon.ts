// `cleanup daemon`: for hosts and containers with neither systemd nor cron. The same one-shot run
// on a cron schedule (node-cron), never two at once, each in a child process of its own (see
// run-process.ts), so /health and SIGTERM are answered whatever a run is doing. A run still going
// past its deadline (settings.run_deadline plus a margin) is killed. On SIGTERM or SIGINT it stops
// scheduling, lets a run in progress finish (within --stop-timeout), else kills it, and returns.
// State files are written atomically, so even a killed run leaves none half-written; its lock
// names a process that is gone, which the next run recognises as stale.
import { KILLED_OUTCOMES } from "../act/results.js";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { EXIT, exitCodeForOutcome } from "../exit-codes.js";
import type { RunReport } from "../report/run-report.js";
import { checkConfig } from "../run/check-config.js";
import { UsageError } from "../shared/usage-error.js";
import type { DaemonEvent } from "./log-events.js";
import { startRunProcess, type RunProcess } from "./run-process.js";
import { http } from "../shared/lazy-builtins.js";

export interface DaemonOptions {
  schedule: string;
  configPath: string;
  stateDir?: string;
  /** Serve /health and /metrics here (127.0.0.1 unless healthHost says otherwise). */
  healthPort?: number;
  healthHost?: string;
  stopTimeoutMs: number;
  /** The script a run child starts (the bundle, dist/cli.js: process.argv[1]). */
  runEntry: string;
  /** Each event, as it happens: the command writes it as a log line on stderr (log-events.ts). */
  log: (event: DaemonEvent) => void;
  /** Renders /metrics from the last run (the Prometheus textfile format). */
  metrics?: (report: RunReport, now: Date) => string;
  /** After each run (e.g. write the --textfile). */
  afterRun?: (report: RunReport) => void;
}

interface LastRunSummary {
  finishedAt: string;
  exitCode: number;
  outcome?: string;
  error?: string;
  durationMs: number;
}

/** stopped: cleanly, between runs or after the run in progress finished; gave-up: a run was still going at the bound. */
export type DaemonStop = "stopped" | "gave-up";

export async function runDaemon(options: DaemonOptions): Promise<DaemonStop> {
  // Loaded here only: a one-shot run never needs it. `default`: a CommonJS package in a chunk of
  // the split bundle (scripts/build.mjs) exports only module.exports, as default; Node gives both.
  const { default: cron } = await import("node-cron");
  if (!cron.validate(options.schedule)) {
    throw new UsageError(
      `invalid --schedule ${JSON.stringify(options.schedule)}: expected a cron expression such as "*/30 * * * *" (an optional sixth field in front counts seconds)`,
    );
  }
  // A daemon with a bad config must not start and fail every half hour: check it now (exit 3).
  checkConfig(options.configPath);

  let running: Promise<void> | null = null;
  let child: RunProcess | null = null;
  let last: LastRunSummary | null = null;
  let lastReport: RunReport | null = null;
  const tick = async (): Promise<void> => {
    if (running) {
      options.log({ event: "skipped", reason: "the previous run is still going" });
      return;
    }
    const started = performance.now();
    running = (async () => {
      try {
        child = startRunProcess(options.runEntry, {
          configPath: options.configPath,
          ...(options.stateDir && { stateDir: options.stateDir }),
        });
        const end = await child.ended;
        if (end.kind === "killed") {
          last = summary(started, EXIT.DEADLINE, { error: `run killed: ${end.reason}` });
          options.log({ event: "run-killed", reason: end.reason, exitCode: last.exitCode });
          return;
        }
        if (end.kind === "error") {
          last = summary(started, end.exitCode, { error: end.message });
          options.log({ event: "run-failed", error: end.message, exitCode: end.exitCode });
          return;
        }
        const report = end.report;
        lastReport = report;
        options.afterRun?.(report);
        last = summary(started, exitCodeForOutcome(report.outcome), { outcome: report.outcome });
        options.log({
          event: "run",
          outcome: report.outcome,
          killed: report.results.filter((r) => KILLED_OUTCOMES.has(r.outcome)).length,
          notifications: report.alerts?.notifications.length ?? 0,
          durationMs: last.durationMs,
        });
      } catch (error) {
        // afterRun or the log threw: the run itself is done.
        last = summary(started, EXIT.INTERNAL, { error: (error as Error).message });
        options.log({
          event: "run-failed",
          error: (error as Error).message,
          exitCode: EXIT.INTERNAL,
        });
      } finally {
        child = null;
        running = null;
      }
    })();
    await running;
  };

  // Handlers first: from here on SIGTERM must mean "stop after the run", never "die mid-kill".
  const stopped = new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });

  // The health server before the schedule: if it cannot listen, the daemon fails before it
  // has acted at all, instead of acting on while reporting a fatal error.
  let server: Server | undefined;
  if (options.healthPort !== undefined) {
    server = http().createServer((req, res) => {
      if (req.url === "/health") {
        // Exit 5 (another run held the lock) is no failure, as for the systemd unit.
        const failing = last !== null && last.exitCode !== 0 && last.exitCode !== EXIT.BUSY;
        const body = {
          status: failing ? "failing" : "ok",
          running: running !== null,
          lastRun: last,
          nextRun: task.getNextRun()?.toISOString() ?? null,
        };
        res
          .writeHead(failing ? 503 : 200, { "content-type": "application/json" })
          .end(`${JSON.stringify(body)}\n`);
      } else if (req.url === "/metrics" && options.metrics) {
        if (!lastReport) res.writeHead(503, { "content-type": "text/plain" }).end("no run yet\n");
        else
          res
            .writeHead(200, { "content-type": "text/plain; version=0.0.4" })
            .end(options.metrics(lastReport, new Date()));
      } else {
        res
          .writeHead(404, { "content-type": "text/plain" })
          .end("not found: try /health or /metrics\n");
      }
    });
    const host = options.healthHost ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      server!.once("error", (error) =>
        reject(
          new UsageError(
            `--health-port ${options.healthPort}: cannot listen on ${host}: ${error.message}`,
          ),
        ),
      );
      server!.listen(options.healthPort, host, resolve);
    });
    const { port } = server.address() as AddressInfo;
    options.log({ event: "health", url: `http://${host}:${port}/health` });
  }

  // node-cron's own messages become our log lines: its default logger prints coloured text of
  // its own shape to stderr, in the middle of the JSON lines.
  const scheduler = (level: string) => (message: string | Error, error?: Error) => {
    const text = message instanceof Error ? message.message : message;
    // Its overlap warning says what our "skipped" event (below) says.
    if (text.includes("overlap")) return;
    options.log({
      event: "scheduler",
      // Not `level`: the log line's own field.
      schedulerLevel: level,
      message: text,
      ...(error && { error: error.message }),
    });
  };
  const task = cron.schedule(options.schedule, tick, {
    name: "cleanup",
    noOverlap: true,
    logger: {
      info: scheduler("info"),
      warn: scheduler("warn"),
      error: scheduler("error"),
      debug: scheduler("debug"),
    },
  });
  // With noOverlap node-cron skips a tick itself while the previous run goes on; say so.
  task.on("execution:overlap", () =>
    options.log({ event: "skipped", reason: "the previous run is still going" }),
  );
  options.log({
    event: "started",
    schedule: options.schedule,
    config: options.configPath,
    nextRun: task.getNextRun()?.toISOString() ?? null,
  });

  const signal = await stopped;
  await task.stop();
  await task.destroy();
  server?.close();
  options.log({ event: "stopping", signal, waitingForRun: running !== null });
  if (running) {
    // The bound's timer is cancelled once the run ends: left running, it would hold the process.
    const bound = new AbortController();
    const finished = await Promise.race([
      (running as Promise<void>).then(() => true),
      sleep(options.stopTimeoutMs, false, { signal: bound.signal }).catch(() => false),
    ]);
    bound.abort();
    if (!finished) {
      // Killed, not left behind: no run goes on acting after the daemon said it stopped.
      await (child as RunProcess | null)?.kill(
        `the daemon stopped (--stop-timeout ${options.stopTimeoutMs} ms)`,
      );
      options.log({ event: "stopped", gaveUpOnRun: true, afterMs: options.stopTimeoutMs });
      return "gave-up";
    }
  }
  options.log({ event: "stopped", gaveUpOnRun: false });
  return "stopped";
}

function summary(
  startedMs: number,
  exitCode: number,
  extra: Partial<LastRunSummary>,
): LastRunSummary {
  return {
    finishedAt: new Date().toISOString(),
    exitCode,
    durationMs: Math.round(performance.now() - startedMs),
    ...extra,
  };
}
