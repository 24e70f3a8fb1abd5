// Alert delivery through the real binary to real receivers on 127.0.0.1. The condition is an
// `alert` rule matching the scene's own token process; nothing is killed except by the scene.
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Alertmanager } from "../helpers/alertmanager.js";
import { HttpReceiver, SmtpReceiver, freePort } from "../helpers/receivers.js";
import { Scene } from "../helpers/scene.js";

let scene: Scene;
const receivers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  scene?.cleanup();
});

// Only the rule under test may alert: back-to-back runs measure the CPU over their own startups.
const alertRule = (s: Scene) => `
thresholds: { memory: false, cpu: false, disk: false }
rules:
  - name: scene-alert
    match: { cmdline: '^${s.pattern} ' }
    action: alert
    severity: critical
`;

async function webhook(): Promise<HttpReceiver> {
  const receiver = new HttpReceiver();
  await receiver.listen();
  receivers.push(receiver);
  return receiver;
}

describe("alerts through real receivers", () => {
  it("SMTP down on run 1, up on run 2: the alert arrives on run 2, exactly once", async () => {
    scene = new Scene();
    const orphan = await scene.orphan("o");
    const port = await freePort();
    const config = scene.rules(`
alerts:
  sinks:
    - name: ops-mail
      type: email
      host: 127.0.0.1
      port: ${port}
      security: none
      from: cleanup@test.invalid
      to: [ops@test.invalid, oncall@test.invalid]
      timeout: 2s
${alertRule(scene)}`);
    const run = () => scene.run(config, { json: true });

    const down = await run();
    expect(down.code).toBe(1);
    expect(down.json!.alerts.deliveries).toMatchObject([
      { sink: "ops-mail", status: "failed", notifications: 1 },
    ]);
    expect(down.json!.alerts.deliveries[0].error).toMatch(/ops-mail/);
    const outbox = JSON.parse(readFileSync(join(scene.stateDir, "outbox.json"), "utf8"));
    expect(outbox.pending["ops-mail"]).toHaveLength(1);

    const smtp = new SmtpReceiver();
    await smtp.listen(port);
    receivers.push(smtp);
    const up = await run();
    expect(up.code).toBe(0);
    expect(up.json!.alerts.notifications).toEqual([]); // nothing new: the retry comes from the outbox
    expect(up.json!.alerts.deliveries).toMatchObject([
      { sink: "ops-mail", status: "sent", notifications: 1 },
    ]);
    expect(smtp.mails).toHaveLength(1);

    const mail = smtp.mails[0]!;
    expect(mail.from).toBe("cleanup@test.invalid");
    expect(mail.to).toEqual(["ops@test.invalid", "oncall@test.invalid"]);
    const subject = /^Subject: (.*)$/m.exec(mail.raw)?.[1] ?? "";
    expect(subject).toContain(hostname());
    expect(subject).toMatch(/CRITICAL/);
    const body = mail.raw.replace(/=\r?\n/g, "");
    for (const text of [hostname(), "scene-alert", `pid ${orphan.pid}`, "rss", "age"])
      expect(body).toContain(text);

    const again = await run();
    expect(again.code).toBe(0);
    expect(smtp.mails).toHaveLength(1);
  });

  it("a condition standing for 5 runs alerts once; when it clears, one recovery", async () => {
    scene = new Scene();
    const orphan = await scene.orphan("o");
    const hook = await webhook();
    const config = scene.rules(`
alerts:
  sinks:
    - { name: hook, type: webhook, url: 'http://127.0.0.1:${hook.port}/alerts', headers: { Authorization: { env: CLEANUP_TEST_TOKEN } } }
${alertRule(scene)}`);
    process.env.CLEANUP_TEST_TOKEN = "Bearer test-token";
    const run = () => scene.run(config, { json: true });
    for (let i = 1; i <= 5; i++) {
      const result = await run();
      expect(result.code).toBe(0);
    }
    expect(hook.requests).toHaveLength(1);
    const first = JSON.parse(hook.requests[0]!.body);
    expect(hook.requests[0]!.headers.authorization).toBe("Bearer test-token");
    expect(first.notifications).toMatchObject([
      { key: "rule:scene-alert", status: "firing", severity: "critical", host: hostname() },
    ]);

    await scene.end(orphan.pid);
    await run();
    await run();
    expect(hook.requests).toHaveLength(2);
    const recovery = JSON.parse(hook.requests[1]!.body);
    expect(recovery.notifications).toMatchObject([{ key: "rule:scene-alert", status: "resolved" }]);
    expect(recovery.notifications[0].endsAt).toBeDefined();
  });

  it("--dry-run sends nothing and changes no state; it shows what would be sent", async () => {
    scene = new Scene();
    await scene.orphan("o");
    const hook = await webhook();
    const config = scene.rules(`
alerts:
  sinks: [{ name: hook, type: webhook, url: 'http://127.0.0.1:${hook.port}/' }]
${alertRule(scene)}`);
    const dry = await scene.run(config, { dryRun: true, json: true });
    expect(dry.code).toBe(0);
    expect(dry.json!.alerts.notifications).toMatchObject([
      { key: "rule:scene-alert", status: "firing" },
    ]);
    expect(dry.json!.alerts.deliveries).toEqual([]);
    const text = await scene.run(config, { dryRun: true });
    expect(text.stdout).toContain("NOTIFICATIONS (1): would be sent; nothing is sent in a dry run");
    expect(hook.requests).toEqual([]);
    expect(existsSync(scene.stateDir)).toBe(false);
  });

  it("cleanup alert test reports each sink's result", async () => {
    scene = new Scene();
    const hook = await webhook();
    const closed = await freePort();
    const config = scene.rules(`
alerts:
  sinks:
    - { name: hook, type: webhook, url: 'http://127.0.0.1:${hook.port}/', format: slack }
    - { name: mail, type: email, host: 127.0.0.1, port: ${closed}, security: none, from: a@test.invalid, to: b@test.invalid, timeout: 1s }
rules: []
`);
    const all = await scene.runAgent(["alert", "test", "--config", config]);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain("hook (webhook): ok");
    expect(all.stdout).toMatch(/mail \(email\): FAILED: .*mail/);
    expect(JSON.parse(hook.requests[0]!.body).text).toContain("test alert from cleanup");

    const one = await scene.runAgent(["alert", "test", "--sink", "hook", "--config", config]);
    expect(one.code).toBe(0);
    expect(hook.requests).toHaveLength(2);
    const unknown = await scene.runAgent(["alert", "test", "--sink", "nope", "--config", config]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no sink named "nope"');
  });

  it("Alertmanager: the alert is active with our labels, and resolves when the condition clears", async () => {
    scene = new Scene();
    const orphan = await scene.orphan("o");
    const am = new Alertmanager();
    receivers.push({ close: () => am.stop() });
    await am.start();
    const config = scene.rules(`
alerts:
  sinks: [{ name: am, type: alertmanager, url: '${am.base}', ttl: 2h }]
${alertRule(scene)}`);
    const run = () => scene.run(config, { json: true });
    const ours = async () =>
      (await am.alerts()).filter(
        (a) => a.labels.rule === "scene-alert" && a.labels.host === hostname(),
      );

    const firing = await run();
    expect(firing.code).toBe(0);
    const [active] = await ours();
    expect(active).toMatchObject({
      labels: {
        alertname: "CleanupRule",
        rule: "scene-alert",
        severity: "critical",
        host: hostname(),
        instance: hostname(),
      },
      status: { state: "active" },
    });
    expect(active!.annotations.description).toContain(`pid ${orphan.pid}`);
    expect(Date.parse(active!.endsAt) - Date.now()).toBeGreaterThan(3_600_000); // now + ttl

    // Still standing: re-posted (Alertmanager would otherwise resolve it at endsAt), one alert.
    await run();
    expect(await ours()).toHaveLength(1);

    await scene.end(orphan.pid);
    const cleared = await run();

    expect(cleared.json!.alerts.notifications).toMatchObject([
      { key: "rule:scene-alert", status: "resolved" },
    ]);
    expect(cleared.json!.alerts.deliveries).toMatchObject([{ sink: "am", status: "sent" }]);
    // Resolved: endsAt in the past, so it is no longer active (and leaves the list).
    const after = await ours();
    expect(
      after.every((a) => a.status.state !== "active" || Date.parse(a.endsAt) <= Date.now()),
    ).toBe(true);
  });

  it("a threshold's recovery says the value now and what it was; Alertmanager filters on instance", async () => {
    scene = new Scene();
    const am = new Alertmanager();
    receivers.push({ close: () => am.stop() });
    await am.start();
    // Memory in use is surely ≥ 0.1% and < 99.99%: warn on the first run, ok on the second.
    const rules = (warn: string, name: string) =>
      scene.rules(
        `
alerts:
  sinks: [{ name: am, type: alertmanager, url: '${am.base}', ttl: 2h }]
thresholds: { memory: { warn: ${warn}, critical: 100% }, cpu: false, disk: false }
rules: []
`,
        name,
      );
    const instance = `?filter=${encodeURIComponent(`instance="${hostname()}"`)}`;
    const ours = async () =>
      (await am.alerts(instance)).filter((a) => a.labels.alertname === "CleanupThreshold");

    const firing = await scene.run(rules("0.1%", "warn.yaml"), { json: true });
    expect(firing.code).toBe(0);
    const [told] = firing.json!.alerts.notifications;
    expect(told).toMatchObject({ key: "threshold:memory", status: "firing" });
    expect(told.details).toEqual([
      expect.stringMatching(/^value \d+\.\d%, warn 0\.1%, critical 100%$/),
    ]);
    const [active, ...more] = await ours();
    expect(more).toEqual([]);
    expect(active?.labels).toMatchObject({
      host: hostname(),
      instance: hostname(),
      resource: "memory",
      severity: "warning",
    });
    const then = /^memory in use (\d+\.\d%)/.exec(told.summary)![1];

    const cleared = await scene.run(rules("99.99%", "ok.yaml"), { json: true });
    expect(cleared.code).toBe(0);
    const [resolved, ...rest] = cleared.json!.alerts.notifications;
    expect(rest).toEqual([]);
    expect(resolved).toMatchObject({ key: "threshold:memory", status: "resolved" });
    expect(resolved.summary).toMatch(
      new RegExp(`^memory in use \\d+\\.\\d% \\(was ${then!.replace(".", "\\.")}, warn\\)$`),
    );
    expect(resolved.details).toEqual([
      expect.stringMatching(/^value \d+\.\d%, warn 99\.99%, critical 100%$/),
    ]);
    expect(cleared.json!.alerts.deliveries).toMatchObject([{ sink: "am", status: "sent" }]);
    expect(await ours()).toEqual([]);
  });
});
