// Node built-ins that only some runs use, loaded on first use instead of at every start: a
// static import of them is evaluated when the machinery is loaded (dist/machinery-script.js runs
// its modules' imports first). Measured on Node 20, loading each: node:crypto 8 ms, node:http
// (with node:net) 4.5 ms, node:child_process (with node:dgram) 1.4 ms; a dry run of the bundled
// rules needs none of them.
import { createRequire as requireAt } from "node:module";

const load = requireAt(import.meta.url);

/** node:crypto: state files' temporary names (live runs), alert ids. */
export const crypto = (): typeof import("node:crypto") =>
  load("node:crypto") as typeof import("node:crypto");

/** node:child_process: systemctl (unit states) and the daemon's run processes. */
export const childProcess = (): typeof import("node:child_process") =>
  load("node:child_process") as typeof import("node:child_process");

/** node:https (with node:tls): webhooks and chat sinks at https URLs. */
export const https = (): typeof import("node:https") =>
  load("node:https") as typeof import("node:https");

/** node:http: the daemon's health server, sinks and probes at http URLs. */
export const http = (): typeof import("node:http") =>
  load("node:http") as typeof import("node:http");
