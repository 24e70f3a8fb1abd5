// The presets (`preset: NAME` in a rule's match): one module per preset in this folder, in the
// order the README's "Presets" section lists them. The schema, normalise (expand.ts) and the
// cross-checks read them from here and name no preset.
import { z } from "zod";
import { didYouMean } from "../suggest.js";
import { celeryPrefork } from "./celery-prefork.js";
import { chromiumRenderer } from "./chromium-renderer.js";
import { gunicornWorker } from "./gunicorn-worker.js";
import { joblibLoky } from "./joblib-loky.js";
import { nodeFork } from "./node-fork.js";
import { pythonForkPool } from "./python-fork-pool.js";
import { pythonMultiprocessing } from "./python-multiprocessing.js";
import { pytorchDataloader } from "./pytorch-dataloader.js";
import type { PresetSpec } from "./spec.js";
import { torchShmManager } from "./torch-shm-manager.js";
import { uvicornWorker } from "./uvicorn-worker.js";

export const PRESET_SPECS = [
  pythonMultiprocessing,
  pythonForkPool,
  joblibLoky,
  pytorchDataloader,
  torchShmManager,
  gunicornWorker,
  uvicornWorker,
  celeryPrefork,
  chromiumRenderer,
  nodeFork,
] as const;

export type PresetName = (typeof PRESET_SPECS)[number]["name"];
export const PRESET_NAMES = PRESET_SPECS.map((p) => p.name) as [PresetName, ...PresetName[]];

const BY_NAME = new Map<string, PresetSpec<string>>(PRESET_SPECS.map((p) => [p.name, p]));

/** The preset of that name, or undefined (the schema has rejected unknown names before). */
export function presetOf(name: string): PresetSpec<string> | undefined {
  return BY_NAME.get(name);
}

const EXPECTED = `a preset name or a list of them (${PRESET_NAMES.join(", ")})`;

/** The first value that is not a preset's name, and what it most likely meant. */
function wrongValue(input: unknown): string {
  const values = Array.isArray(input) ? input : [input];
  if (values.length === 0) return "an empty list";
  const bad = values.find((v) => typeof v !== "string" || !BY_NAME.has(v));
  if (typeof bad !== "string") return "wrong type";
  const suggestion = didYouMean(bad, PRESET_NAMES);
  return suggestion
    ? `unknown preset '${bad}', did you mean '${suggestion}'?`
    : `unknown preset '${bad}'`;
}

const name = z.enum(PRESET_NAMES);
export const presetSchema = z
  .union([name, z.array(name).min(1)], {
    error: (issue) => `${wrongValue(issue.input)}; expected ${EXPECTED}`,
  })
  .optional()
  .describe(
    "A maintained signature of a framework's leftovers (README, Presets), ANDed with the rule's own keys; a list: all of them.",
  );
