// A real Prometheus node_exporter (Debian's prometheus-node-exporter, installed by .ci/run) on
// 127.0.0.1 with the textfile collector only. As root it runs as the package's user
// "prometheus", as Debian's unit does, so a file it cannot read shows up here too. Stopped by its
// own handle.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { freePort } from "./receivers.js";
import { stopChild } from "./stop-child.js";

export const NODE_EXPORTER = "/usr/bin/prometheus-node-exporter";

/** uid and gid of the system user "prometheus", when there is one and we may switch to it. */
function prometheusUser(): { uid: number; gid: number } | null {
  if (process.geteuid?.() !== 0) return null;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("prometheus:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : null;
}

export class NodeExporter {
  base = "";
  log = "";
  /** Who it runs as: "prometheus" (as Debian runs it) or "self". */
  user: "prometheus" | "self" = "self";
  private child: ChildProcess | undefined;

  constructor(private readonly textfileDir: string) {}

  async start(): Promise<void> {
    if (!existsSync(NODE_EXPORTER)) {
      throw new Error(
        `${NODE_EXPORTER} is missing: install it with \`apt-get install -y --no-install-recommends prometheus-node-exporter\` (.ci/run does)`,
      );
    }
    const port = await freePort();
    this.base = `http://127.0.0.1:${port}`;
    const as = prometheusUser();
    this.user = as ? "prometheus" : "self";
    this.child = spawn(
      NODE_EXPORTER,
      [
        "--collector.disable-defaults",
        "--collector.textfile",
        `--collector.textfile.directory=${this.textfileDir}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ["ignore", "ignore", "pipe"], ...(as && { uid: as.uid, gid: as.gid }) },
    );
    this.child.stderr!.setEncoding("utf8").on("data", (c: string) => (this.log += c));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`node_exporter exited:\n${this.log}`);
      const ready = await fetch(`${this.base}/metrics`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`node_exporter not ready in 20 s:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** GET /metrics: the text, and series (name with labels, as node_exporter writes them) → value. */
  async scrape(): Promise<{ text: string; series: Map<string, number> }> {
    const response = await fetch(`${this.base}/metrics`);
    if (response.status !== 200) throw new Error(`GET /metrics: ${response.status}`);
    const text = await response.text();
    const series = new Map<string, number>();
    for (const line of text.split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      const space = line.lastIndexOf(" ");
      series.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    return { text, series };
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
  }
}
