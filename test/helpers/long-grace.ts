import type { Scene } from "./scene.js";

/**
 * The scene's orphans, killed with a 10-minute grace that outlasts any run_deadline; host
 * thresholds off so nothing else alerts. Matches only the scene's token'd interpreter path.
 */
export const longGraceRules = (s: Scene, deadline: string): string =>
  s.rules(`
settings: { run_deadline: ${deadline} }
thresholds: { memory: false, cpu: false, disk: false }
rules:
  - name: scene-orphans
    match: { cmdline: '^${s.pattern} ', orphaned: true }
    action: kill
    grace: 10m
`);
