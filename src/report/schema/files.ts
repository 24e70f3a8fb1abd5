// The leftover-file part of a run report (rules.yaml `files:`): the plan and the removals.
import { z } from "zod";
import type { FilesReport } from "../run-report.js";
import { FILE_SPARE_CODES } from "../../rules/file-plan-types.js";
import { count, severity } from "./process.js";
import type { Equals, Same } from "./same-type.js";

const leftoverFile = z
  .strictObject({
    path: z.string(),
    dir: z.string(),
    name: z.string(),
    kind: z.enum(["file", "dir", "other"]),
    dev: count(),
    ino: count(),
    uid: count(),
    user: z.string().optional(),
    sizeBytes: count(),
    mtimeMs: z.number(),
    ctimeMs: z.number(),
    contents: z
      .array(z.strictObject({ dev: count(), ino: count(), path: z.string() }))
      .nullable()
      .optional(),
  })
  .meta({ id: "LeftoverFile" });

const fileAction = z.enum(["report", "alert", "remove"]);

export const filesReport = z.strictObject({
  plan: z.strictObject({
    entries: z.array(
      z.strictObject({
        action: fileAction,
        rule: z.string(),
        severity,
        file: leftoverFile,
        reasons: z.array(z.string()),
      }),
    ),
    spared: z.array(
      z.strictObject({
        rule: z.string(),
        file: leftoverFile,
        code: z.enum(FILE_SPARE_CODES),
        reasons: z.array(z.string()),
      }),
    ),
    refusals: z.array(
      z.strictObject({
        rule: z.string(),
        scope: z.enum(["rule", "run"]),
        measure: z.enum(["files", "bytes", "listing"]),
        would: count(),
        budget: count(),
        severity,
        message: z.string(),
      }),
    ),
    listings: z.array(
      z.strictObject({
        dir: z.string(),
        rules: z.array(z.string()),
        truncated: z.boolean(),
        problem: z.string().optional(),
      }),
    ),
  }),
  results: z.array(
    z.strictObject({
      rule: z.string(),
      path: z.string(),
      dev: count(),
      ino: count(),
      uid: count(),
      sizeBytes: count(),
      outcome: z.enum([
        "removed",
        "would-remove",
        "vanished",
        "replaced",
        "symlink",
        "kind-changed",
        "owner-changed",
        "modified",
        "parent-changed",
        "held",
        "not-removable",
        "contents-unknown",
        "partial",
        "failed",
      ]),
      bytesFreed: count(),
      detail: z.string().optional(),
    }),
  ),
  listed: count(),
  holders: z.strictObject({
    scanned: count(),
    ms: z.number(),
    unknown: z.array(z.strictObject({ pid: count(), reason: z.string() })),
  }),
});

export type Checks = [Same<Equals<z.infer<typeof filesReport>, FilesReport>>];
