// The error document (report/error-report.ts) as a zod schema, checked against ErrorReport.
import { z } from "zod";
import type { ConfigProblem } from "../../config/errors.js";
import type { ErrorReport } from "../error-report.js";
import { ERROR_FORMAT } from "../formats.js";
import { count } from "./process.js";
import type { Equals, Same } from "./same-type.js";

const problem = z.strictObject({
  file: z.string(),
  line: count(),
  col: count(),
  path: z.string(),
  problem: z.string(),
  got: z.string().optional(),
  expected: z.string().optional(),
});

export const errorDocument = z
  .strictObject({
    format: z.literal(ERROR_FORMAT),
    error: z.union([
      z.strictObject({ kind: z.literal("config"), file: z.string(), problems: z.array(problem) }),
      z.strictObject({ kind: z.string(), message: z.string() }),
    ]),
    exitCode: count(),
  })
  .meta({ id: "ErrorReport", title: `any command's --json on failure (${ERROR_FORMAT})` });

export type Checks = [
  Same<Equals<z.infer<typeof problem>, ConfigProblem>>,
  Same<Equals<z.infer<typeof errorDocument>, ErrorReport>>,
];
