// The state directory (lock, audit log) cannot be created or written, or is not root's alone:
// exit 6. Thrown by act/session.ts, which re-exports it; here, at the bottom of the tiers, so
// that exit-codes.ts can classify it without loading the acting side of a run (which
// `cleanup --version`, `--help` and `check` never use).
export class StateDirError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StateDirError";
  }
}
