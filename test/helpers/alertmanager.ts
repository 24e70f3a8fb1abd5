// A real Prometheus Alertmanager (Debian's prometheus-alertmanager, installed by .ci/run) on
// 127.0.0.1, a lone instance (no gossip), routing to a receiver that does nothing. Stopped by
// its own handle.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./receivers.js";
import { stopChild } from "./stop-child.js";

export const ALERTMANAGER = "/usr/bin/prometheus-alertmanager";

export interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

export class Alertmanager {
  base = "";
  log = "";
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "cleanup-am-"));

  async start(): Promise<void> {
    if (!existsSync(ALERTMANAGER)) {
      throw new Error(
        `${ALERTMANAGER} is missing: install it with \`apt-get install prometheus-alertmanager\` (.ci/run does)`,
      );
    }
    const config = join(this.dir, "alertmanager.yml");
    writeFileSync(config, 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n');
    const port = await freePort();
    this.base = `http://127.0.0.1:${port}`;
    this.child = spawn(
      ALERTMANAGER,
      [
        `--config.file=${config}`,
        `--storage.path=${join(this.dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    this.child.stderr!.setEncoding("utf8").on("data", (c: string) => (this.log += c));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`alertmanager exited:\n${this.log}`);
      const ready = await fetch(`${this.base}/-/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`alertmanager not ready in 20 s:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** GET /api/v2/alerts (active and, with the query, others). */
  async alerts(query = ""): Promise<ApiAlert[]> {
    const response = await fetch(`${this.base}/api/v2/alerts${query}`);
    if (response.status !== 200) throw new Error(`GET /api/v2/alerts: ${response.status}`);
    return (await response.json()) as ApiAlert[];
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
