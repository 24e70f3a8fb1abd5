// The announce stage: the run's events (kills, refusals, thresholds, services) through the alert
// policy and, in a live run, the outbox and the sinks. Past the deadline a delivery that did not
// happen is said in what the run left undone.
import { runAlerting, type AlertingReport } from "../alerts/alerting.js";
import { collectEvents, currentReadings, scanErrorEvent } from "../alerts/events.js";
import { fileEvents } from "../alerts/file-events.js";
import type { AlertEvent, Reading } from "../alerts/types.js";
import type { DeadlineStop, RunStage } from "../report/run-report.js";
import type { ScanError } from "../scan/types.js";
import { serviceEvents } from "../services/service-events.js";
import type { Acted, Announced, Decided, Measured, Run } from "./types.js";

export async function announce(
  run: Run,
  measured: Measured,
  decided: Decided,
  acted: Acted,
): Promise<Announced> {
  const { thresholds } = measured;
  // A metric that cannot be read now is no recovery of its threshold alert.
  const unknown = new Set(
    thresholds.filter((t) => t.level === "unknown").map((t) => `threshold:${t.key}`),
  );
  const alerts = await alerting(
    run,
    [
      ...collectEvents({
        plan: decided.decided,
        results: run.live ? acted.results : [],
        thresholds,
      }),
      ...serviceEvents(decided.services.reports),
      ...(decided.files ? fileEvents(decided.files.plan, run.live ? acted.fileResults : []) : []),
    ],
    (key) => unknown.has(key),
    currentReadings(thresholds),
  );
  const notDone = [...acted.notDone];
  let stoppedAt: RunStage | null = acted.stoppedAt;
  for (const d of alerts.deliveries) {
    if (d.status === "failed" && run.ctx.deadline.passed()) {
      notDone.push(`delivery to sink ${d.sink}: ${d.notifications} kept in the outbox`);
      stoppedAt ??= "delivery";
    }
  }
  const stop: DeadlineStop | null = stoppedAt && {
    limitMs: run.ctx.deadline.limitMs,
    stage: stoppedAt,
    notDone,
  };
  return { alerts, stop };
}

/** The scan failed: nothing else could be judged this run, so every open alert stays open. */
export async function announceScanError(run: Run, error: ScanError): Promise<void> {
  await alerting(run, [scanErrorEvent(error.message)], () => true, new Map());
}

function alerting(
  run: Run,
  events: AlertEvent[],
  keepOpen: (key: string) => boolean,
  readings: ReadonlyMap<string, Reading>,
): Promise<AlertingReport> {
  const { ctx } = run;
  return runAlerting(events, {
    config: run.config,
    stateDir: run.stateDir,
    live: run.live,
    state: run.state,
    now: new Date(ctx.clock.now()),
    host: ctx.hostname,
    logStream: ctx.logStream,
    deadline: ctx.deadline,
    keepOpen,
    readings,
  });
}
