// Every sink type, one line each. config/schema.ts builds alerts.sinks' union from this list,
// config/normalise.ts normalises through it, and alerts/ builds and asks sinks through it: a new
// sink is its own file here plus one line in SINK_PLUGINS (and its test).
import type { z } from "zod";
import { alertmanagerSink } from "./alertmanager.js";
import { emailSink } from "./email.js";
import { logSink } from "./log.js";
import type { NormaliseKit, SchemaKit, SinkPlugin } from "./types.js";
import { webhookSink } from "./webhook.js";

/** In this order in the schema, rules.schema.json and "expected log, email, …". */
export const SINK_PLUGINS = [logSink, emailSink, webhookSink, alertmanagerSink] as const;

type Plugins = typeof SINK_PLUGINS;
type Plugin = Plugins[number];
type SchemaOf<P> = P extends SinkPlugin<infer S, infer _C> ? S : never;
type ConfigOf<P> = P extends SinkPlugin<infer _S, infer C> ? C : never;

/** A sink as the config describes it (after validation). */
export type SinkConfig = ConfigOf<Plugin>;
export type SinkType = SinkConfig["type"];
/** An alerts.sinks entry as the schema accepted it. */
export type RawSinkConfig = z.output<SchemaOf<Plugin>>;

export const SINK_TYPES: readonly SinkType[] = SINK_PLUGINS.map((p) => p.type);

/** Each sink's schema, in SINK_PLUGINS' order, as the tuple z.discriminatedUnion takes. */
export function sinkSchemas(kit: SchemaKit): SchemasOf<Plugins> {
  return SINK_PLUGINS.map((p) => p.schema(kit)) as unknown as SchemasOf<Plugins>;
}
// Generic, so the mapped type keeps the tuple (a mapped type over a concrete tuple does not).
type SchemasOf<T extends readonly unknown[]> = { -readonly [K in keyof T]: SchemaOf<T[K]> };

/** "log, email, webhook or alertmanager". */
export function sinkTypeList(): string {
  const types = [...SINK_TYPES];
  const last = types.pop();
  return types.length > 0 ? `${types.join(", ")} or ${last}` : String(last);
}

/** The plug-in of a type the schema accepted. */
export function sinkPlugin(type: SinkType): SinkPlugin<z.ZodType, SinkConfig> {
  const plugin = SINK_PLUGINS.find((p) => p.type === type);
  if (!plugin) throw new Error(`unreachable: no sink plug-in for type ${type}`);
  return plugin as SinkPlugin<z.ZodType, SinkConfig>;
}

export function normaliseSink(raw: RawSinkConfig, kit: NormaliseKit): SinkConfig {
  return sinkPlugin(raw.type).normalise(raw, kit);
}
