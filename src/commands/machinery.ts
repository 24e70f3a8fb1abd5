// What the commands' runs use, loaded by a run (loadMachinery() in cached-script.ts) and not
// with the command table: `cleanup --version`, `--help` and `check` never compile a run's
// machinery (the scan, the plan, acting, alerts, reports). One module for every command: the
// build makes it one script with V8 code (dist/machinery-script.js, scripts/cached-scripts.mjs).
// `check` loads only the config's (../run/check-config.js).
export { checkTrustedDir } from "../act/session.js";
export { sendTestAlerts } from "../alerts/test-alert.js";
export { runDaemon } from "../daemon/daemon.js";
export { daemonLogEntry } from "../daemon/log-events.js";
export { serveRun } from "../daemon/run-child.js";
export { applyInstall } from "../install/apply.js";
export { installCommand as binaryCommand } from "../install/bin-path.js";
export { describeInstall } from "../install/describe.js";
export { planInstall } from "../install/install.js";
export { portCommand as inspectPort } from "../port/port-command.js";
export { renderErrorJson } from "../report/error-report.js";
export { renderExplain } from "../report/explain.js";
export { EXPLAIN_FORMAT } from "../report/formats.js";
export { renderJsonChunks, renderPortJson } from "../report/json.js";
export { runLogEntries } from "../report/log-lines.js";
export { nagiosErrorLine, renderNagios } from "../report/nagios.js";
export { renderPort } from "../report/port.js";
export { renderTextfile } from "../report/prometheus.js";
export { renderStatus } from "../report/status.js";
export { renderText } from "../report/text.js";
export { checkConfig } from "../run/check-config.js";
export { explain } from "../run/explain.js";
export { runOnce } from "../run/run-once.js";
export { writeAll } from "./output.js";
export { writeErrorTextfile, writeRunTextfile } from "./textfile.js";
