// What `cleanup install` did (or, with --dry-run, would do), and what the operator does next.
// install never runs systemctl itself: the operator should read the plan a first run makes
// (`cleanup --dry-run`) before the timer acts on a host; with --root the files are staged for
// another system (an image, a chroot) whose systemd is not this one; and in a container without
// systemd, systemctl would only fail. Printing the two commands keeps install to writing files.
import type { InstallResult } from "./apply.js";
import { TARGET, type Scheduler } from "./install.js";

const VERB: Record<InstallResult["status"], Record<"mkdir" | "write" | "skip", string>> = {
  done: { mkdir: "created", write: "wrote", skip: "kept" },
  planned: { mkdir: "would create", write: "would write", skip: "would keep" },
  skipped: { mkdir: "kept", write: "kept", skip: "kept" },
  failed: { mkdir: "FAILED", write: "FAILED", skip: "FAILED" },
  "not-attempted": { mkdir: "not tried", write: "not tried", skip: "not tried" },
};

export function describeInstall(
  results: InstallResult[],
  context: { scheduler: Scheduler; root: string; dryRun: boolean },
): string {
  const width = Math.max(...results.map((r) => r.action.path.length));
  const lines = [
    `cleanup install (${context.scheduler}${context.root === "/" ? "" : `, under ${context.root}`})${context.dryRun ? ": dry run, nothing written" : ""}`,
    ...results.map(({ action, status, detail }) => {
      const verb = VERB[status][action.kind].padEnd(12);
      return `  ${verb} ${action.path.padEnd(width)}  ${detail ?? action.reason}`;
    }),
  ];
  if (results.some((r) => r.status === "failed" || r.status === "not-attempted")) {
    lines.push("", "Install incomplete: nothing was enabled. Fix the failure and run it again.");
  } else {
    lines.push("", ...nextSteps(context.scheduler, context.root, context.dryRun));
  }
  return `${lines.join("\n")}\n`;
}

function nextSteps(scheduler: Scheduler, root: string, dryRun: boolean): string[] {
  const review = `cleanup --dry-run --config ${TARGET.rules}`;
  const steps =
    scheduler === "systemd"
      ? [
          `  ${review}     # what a run would do on this host`,
          "  systemctl daemon-reload && systemctl enable --now cleanup.timer",
          "  systemctl list-timers cleanup.timer; journalctl -u cleanup.service   # when, and what it did",
        ]
      : [
          `  ${review}     # what a run would do on this host`,
          `  # cron reads ${TARGET.cron} within a minute; nothing to enable (a cron daemon must run).`,
          "  journalctl -t cleanup   # or grep cleanup /var/log/syslog: what each run did",
        ];
  const when = dryRun
    ? "After installing, next steps:"
    : root === "/"
      ? "Next steps (install changes nothing else):"
      : `Next steps, on the system whose root is ${root}:`;
  return [when, ...steps];
}
