// Options more than one command takes, declared once so they read the same everywhere.
import { SYSTEM_CONFIG } from "./config-path.js";
import type { OptionSpec } from "./spec.js";

export const CONFIG = {
  name: "config",
  short: "c",
  type: "string",
  value: "FILE",
  help: `rules file (default: $CLEANUP_CONFIG, else ${SYSTEM_CONFIG} if present, else the bundled rules.yaml)`,
} as const satisfies OptionSpec;

export const ALLOW_UNTRUSTED_CONFIG = {
  name: "allow-untrusted-config",
  type: "boolean",
  help: "read the rules file even when, as root, another user owns it or can write it (or a directory on its path); without it such a file is refused (exit 3). Not for daemon. Secret files: settings.trust_paths",
} as const satisfies OptionSpec;

export const STATE_DIR = {
  name: "state-dir",
  type: "string",
  value: "DIR",
  help: "lock and audit log (default: settings.state_dir, else /var/lib/cleanup as root, $XDG_STATE_HOME/cleanup otherwise)",
} as const satisfies OptionSpec;

export const TEXTFILE = {
  name: "textfile",
  type: "string",
  value: "DIR",
  help: "also write DIR/cleanup.prom for node_exporter's textfile collector (atomically), e.g. /var/lib/prometheus/node-exporter (runs and daemon)",
} as const satisfies OptionSpec;

export const HELP = {
  name: "help",
  short: "h",
  type: "boolean",
  action: "help",
  help: "show this help",
} as const satisfies OptionSpec;

export const VERSION = {
  name: "version",
  short: "V",
  type: "boolean",
  action: "version",
  help: "show the version",
} as const satisfies OptionSpec;

/** --config and --allow-untrusted-config as a command carries them: only when given. */
export function configChoice(values: {
  readonly config: string | undefined;
  readonly "allow-untrusted-config": boolean;
}): { config?: string; allowUntrustedConfig?: true } {
  return {
    ...(values.config !== undefined && { config: values.config }),
    ...(values["allow-untrusted-config"] && { allowUntrustedConfig: true as const }),
  };
}

/** --state-dir, only when given. */
export function stateDirChoice(values: { readonly "state-dir": string | undefined }): {
  stateDir?: string;
} {
  return values["state-dir"] !== undefined ? { stateDir: values["state-dir"] } : {};
}
