// `--json`: the plan and results as they are, for scripts and for the benchmark. Each document
// names its format first (formats.ts); report.schema.json describes it.
// Written in chunks: at 10,000 targets one JSON.stringify of the report is a 5.4 MB string
// (twice that once copied to a Buffer), which alone pushed the run past its memory target.
import { PORT_FORMAT, RUN_FORMAT } from "./formats.js";
import type { PortReport } from "./port-report.js";
import type { RunReport } from "./run-report.js";

const CHUNK = 16384;

/** The same text JSON.stringify would give, as chunks of about 64 KiB. */
export function* jsonChunks(value: unknown): Generator<string> {
  let pending = "";
  for (const piece of pieces(value)) {
    pending += piece;
    if (pending.length >= CHUNK) {
      yield pending;
      pending = "";
    }
  }
  if (pending) yield pending;
}

const BATCH = 64;

/** Objects are walked; array elements are stringified a batch at a time. */
function* pieces(value: unknown): Generator<string> {
  if (Array.isArray(value)) {
    yield "[";
    for (let i = 0; i < value.length; i += BATCH) {
      if (i > 0) yield ",";
      yield JSON.stringify(value.slice(i, i + BATCH)).slice(1, -1);
    }
    yield "]";
  } else if (value !== null && typeof value === "object" && !("toJSON" in value)) {
    yield "{";
    let first = true;
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined || typeof child === "function") continue;
      yield `${first ? "" : ","}${JSON.stringify(key)}:`;
      yield* pieces(child);
      first = false;
    }
    yield "}";
  } else {
    yield JSON.stringify(value) ?? "null";
  }
}

/** The report as one JSON document and a newline, in chunks. */
export function* renderJsonChunks(report: RunReport, exitCode: number): Generator<string> {
  yield* jsonChunks({
    format: RUN_FORMAT,
    ...report,
    durationMs: Math.round(report.durationMs),
    exitCode,
  });
  yield "\n";
}

/** `cleanup port N --json`: the report as one indented JSON document and a newline. */
export function renderPortJson(report: PortReport, exitCode: number): string {
  return `${JSON.stringify({ format: PORT_FORMAT, ...report, exitCode }, null, 2)}\n`;
}
