// The decide stage: the rules' plan (pure, over the scan and the host's resource levels), then
// the services judged on it, with the health probes' results and the kills of failing probes'
// stale port holders (kill_after).
import { resourceLevels } from "../host/thresholds.js";
import { plan } from "../rules/plan.js";
import { assessServices } from "../services/assess.js";
import {
  HEALTH_STATE_FILE,
  HEALTH_STATE_VERSION,
  checkHealthState,
  type HealthState,
} from "../services/health-state.js";
import { fromCheck } from "../state/shape.js";
import { checkpoint } from "./stop.js";
import { fetchUnitStates } from "./unit-states.js";
import { planLeftoverFiles } from "./files.js";
import type { Decided, Measured, Run } from "./types.js";

export async function decide(run: Run, measured: Measured): Promise<Decided> {
  checkpoint(run.ctx, "plan");
  const { config, state } = run;
  const actor = run.ctx.who.actor;
  const { snapshot, thresholds, pidFiles } = measured;
  const units = await fetchUnitStates(snapshot, config, {
    timeoutMs: run.ctx.deadline.bound(5000),
  });
  const thePlan = plan(snapshot, config, actor, resourceLevels(thresholds), units);
  const files = planLeftoverFiles(run.ctx, config, snapshot);
  const planKills = thePlan.entries.filter((e) => e.action === "kill");
  const previousHealth = state.read<HealthState>(
    HEALTH_STATE_FILE,
    HEALTH_STATE_VERSION,
    fromCheck(checkHealthState),
  );
  const health = await measured.probing;
  const services = assessServices({
    snapshot,
    config,
    actor,
    plan: thePlan,
    pidFiles,
    health,
    previousHealth,
    plannedKills: planKills.length,
  });
  run.partial.plan = thePlan;
  const extra = services.kills.length > 0;
  return {
    plan: thePlan,
    decided: extra ? { ...thePlan, entries: [...thePlan.entries, ...services.kills] } : thePlan,
    kills: extra ? [...planKills, ...services.kills] : planKills,
    services,
    health,
    previousHealth,
    ...(files && { files }),
  };
}
