// The sink registry: the schema's sink types are exactly the plug-ins', each plug-in's config
// goes through validation and normalisation by its own code, and delivery asks capabilities,
// not types.
import { describe, expect, it } from "vitest";
import { deliverAll } from "../../../src/alerts/deliver.js";
import { emptyOutbox } from "../../../src/alerts/outbox.js";
import type { Digest, Notification, Sink } from "../../../src/alerts/types.js";
import { rulesJsonSchema } from "../../../src/config/json-schema.js";
import { parseConfig } from "../../../src/config/load.js";
import {
  SINK_PLUGINS,
  SINK_TYPES,
  sinkPlugin,
  sinkTypeList,
  type SinkType,
} from "../../../src/sinks/registry.js";

/** The smallest valid alerts.sinks entry of each type, as an operator writes it. */
const MINIMAL: Record<SinkType, string> = {
  log: "{ name: s, type: log }",
  email: "{ name: s, type: email, host: smtp.example, from: a@example.com, to: b@example.com }",
  webhook: "{ name: s, type: webhook, url: 'https://hooks.example/x' }",
  alertmanager: "{ name: s, type: alertmanager, url: 'http://127.0.0.1:9093' }",
};

function configWith(sink: string): string {
  return `alerts:\n  sinks:\n    - ${sink}\nrules: []\n`;
}

describe("sink registry", () => {
  it("the schema's sink types are the plug-ins', in the registry's order", () => {
    const schema = JSON.parse(rulesJsonSchema()) as {
      properties: {
        alerts: {
          properties: {
            sinks: { items: { oneOf: { properties: { type: { const: string } } }[] } };
          };
        };
      };
    };
    const inSchema = schema.properties.alerts.properties.sinks.items.oneOf.map(
      (entry) => entry.properties.type.const,
    );
    expect(inSchema).toEqual([...SINK_TYPES]);
    expect(new Set(SINK_TYPES).size).toBe(SINK_PLUGINS.length);
    // The ones this project has: a removed plug-in is a decision, not an accident.
    expect([...SINK_TYPES].sort()).toEqual(["alertmanager", "email", "log", "webhook"]);
  });

  it("an unknown type is refused, naming every plug-in's type", () => {
    expect(sinkTypeList()).toBe("log, email, webhook or alertmanager");
    expect(() => parseConfig(configWith("{ name: s, type: pager }"), "rules.yaml")).toThrow(
      `alerts.sinks[0].type: unknown sink type (got pager, expected ${sinkTypeList()})`,
    );
  });

  it.each(SINK_TYPES)("%s: validated and normalised by its plug-in", (type) => {
    const config = parseConfig(configWith(MINIMAL[type]), "rules.yaml");
    const [sink] = config.alerts.sinks;
    expect(sink).toMatchObject({ type, name: "s" });
    const plugin = sinkPlugin(type);
    expect(plugin.type).toBe(type);
    expect(plugin.secrets(sink!)).toBeTypeOf("object");
    // A sink that talks to a server has a timeout of its own (10s unless configured).
    if (type === "log") expect(sink).not.toHaveProperty("timeoutMs");
    else expect(sink).toHaveProperty("timeoutMs", 10_000);
  });

  it("each plug-in says what secrets it needs, by the config's references", () => {
    const config = parseConfig(
      configWith(
        "{ name: s, type: webhook, url: { env: HOOK_URL }, headers: { Authorization: { file: /etc/t } } }",
      ),
      "rules.yaml",
    );
    const refs = Object.values(sinkPlugin("webhook").secrets(config.alerts.sinks[0]!));
    expect(refs).toEqual([{ env: "HOOK_URL" }, { file: "/etc/t" }]);
  });
});

describe("capabilities used by delivery", () => {
  const open: Notification = {
    id: "threshold:memory#firing",
    key: "threshold:memory",
    status: "firing",
    reminder: false,
    severity: "warning",
    summary: "memory in use 87%",
    details: [],
    labels: {},
    host: "h",
    startsAt: "2026-12-02T00:00:00.000Z",
    createdAt: "2026-12-02T00:00:00.000Z",
  };

  it("with nothing new, only the sinks that repost open alerts get the open ones", async () => {
    const sent: { type: SinkType; digest: Digest }[] = [];
    const sinks = SINK_TYPES.map((type): Sink => ({
      name: `sink-${type}`,
      type,
      send: (digest) => {
        sent.push({ type, digest });
        return Promise.resolve();
      },
    }));
    const { deliveries } = await deliverAll(
      sinks.map((sink) => ({ sink, deadlineMs: 1_000 })),
      emptyOutbox(),
      [open],
      { host: "h", runAt: "2026-12-02T01:00:00.000Z" },
    );
    const reposting = SINK_PLUGINS.filter((p) => p.capabilities.repostsOpenAlerts).map(
      (p) => p.type,
    );
    expect(reposting).toEqual(["alertmanager"]);
    expect(sent.map((s) => s.type)).toEqual(reposting);
    expect(sent[0]!.digest).toMatchObject({ notifications: [], open: [open] });
    for (const d of deliveries) {
      expect(d.status).toBe(reposting.includes(d.type) ? "sent" : "idle");
    }
  });

  it("with nothing open either, every sink is idle", async () => {
    const sinks = SINK_TYPES.map((type): Sink => ({
      name: `sink-${type}`,
      type,
      send: () => Promise.reject(new Error("must not be called")),
    }));
    const { deliveries } = await deliverAll(
      sinks.map((sink) => ({ sink, deadlineMs: 1_000 })),
      emptyOutbox(),
      [],
      { host: "h", runAt: "2026-12-02T01:00:00.000Z" },
    );
    expect(deliveries.map((d) => d.status)).toEqual(SINK_TYPES.map(() => "idle"));
  });
});
