// `cleanup daemon`: for hosts and containers with neither systemd nor cron. The same one-shot run
// on a cron schedule (node-cron), never two at once; on SIGTERM or SIGINT it stops scheduling,
// lets a run in progress finish (within --stop-timeout) and returns. State files are written
// atomically, so even a run given up on leaves none half-written; its lock names a process that
// is gone, which the next run recognises as stale.
import { KILLED_OUTCOMES } from "../act/results.js";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { EXIT, exitCodeForError, exitCodeForOutcome } from "../exit-codes.js";
import { checkConfig, runOnce, type RunReport } from "../run.js";
import { UsageError } from "../usage-error.js";

export interface DaemonOptions {
  schedule: string;
  configPath: string;
  stateDir?: string;
  /** Serve /health and /metrics here (127.0.0.1 unless healthHost says otherwise). */
  healthPort?: number;
  healthHost?: string;
  stopTimeoutMs: number;
  /** One JSON object per line, on stdout: journald and `docker logs` keep them. */
  log: (event: Record<string, unknown>) => void;
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
  // Loaded here only: a one-shot run never needs it.
  const cron = await import("node-cron");
  if (!cron.validate(options.schedule)) {
    throw new UsageError(
      `invalid --schedule ${JSON.stringify(options.schedule)}: expected a cron expression such as "*/30 * * * *" (an optional sixth field in front counts seconds)`,
    );
  }
  // A daemon with a bad config must not start and fail every half hour: check it now (exit 3).
  checkConfig(options.configPath);

  let running: Promise<void> | null = null;
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
        const report = await runOnce({
          configPath: options.configPath,
          mode: "run",
          ...(options.stateDir && { stateDir: options.stateDir }),
          logStream: process.stdout,
        });
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
        last = summary(started, exitCodeForError(error), { error: (error as Error).message });
        options.log({
          event: "run-failed",
          error: (error as Error).message,
          exitCode: last.exitCode,
        });
      } finally {
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
    server = createServer((req, res) => {
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

  const task = cron.schedule(options.schedule, tick, { name: "cleanup", noOverlap: true });
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
