import type { Scene } from "./scene.js";

/**
 * The scene's orphans, killed with a 10-minute grace that outlasts any run_deadline; host
 * thresholds off so nothing else alerts. Matches only the scene's token'd interpreter path.
 */
export const longGraceRules = (s: Scene, deadline: string): string =>
  s.killRules({ quiet: true, grace: "10m", head: `settings: { run_deadline: ${deadline} }` });
