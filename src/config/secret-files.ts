// `{ file: PATH }` secrets of the alert sinks that would be refused (trusted-file.ts): checked
// with the rest of the file, so `cleanup check` names them before a sink fails to send.
import type { RulesFile } from "./schema.js";

/** Each `{ file: PATH }` secret that would be refused, at the path of its `file` key. */
export function secretFileProblems(
  data: RulesFile,
  check: (path: string, trustPaths: readonly string[]) => string | undefined,
): { path: (string | number)[]; problem: string }[] {
  const trustPaths = data.settings?.trust_paths ?? [];
  const found: { path: (string | number)[]; problem: string }[] = [];
  const visit = (ref: unknown, path: (string | number)[]): void => {
    if (typeof ref !== "object" || ref === null || !("file" in ref)) return;
    const problem = check(String(ref.file), trustPaths);
    if (problem) {
      found.push({
        path: [...path, "file"],
        problem: `secret file ${String(ref.file)}: ${problem}${problem.startsWith("refused") ? "; list it (or its directory) in settings.trust_paths to accept it" : ""}`,
      });
    }
  };
  (data.alerts?.sinks ?? []).forEach((sink, index) => {
    const at = ["alerts", "sinks", index];
    if (sink.type === "email") visit(sink.password, [...at, "password"]);
    if (sink.type === "webhook") {
      visit(sink.url, [...at, "url"]);
      for (const [name, value] of Object.entries(sink.headers ?? {}))
        visit(value, [...at, "headers", name]);
    }
  });
  return found;
}
