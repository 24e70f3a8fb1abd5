// Deadlines as abort signals, for network work the caller can also stop (the run's deadline,
// delivery's guard): whichever fires first ends the work, and the error says which one it was.
import { abortedReason, noAnswerWithin } from "./errors.js";

/** The caller's signal, or an own timeout, whichever fires first. */
export function withTimeout(signal: AbortSignal, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  // AbortSignal.any arrived in Node 20.3; package.json allows any Node 20.
  if (typeof AbortSignal.any === "function") return AbortSignal.any([signal, timeout]);
  const controller = new AbortController();
  for (const s of [signal, timeout]) {
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener("abort", () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

/** The signal's reason as an Error (what an aborted wait rejects with). */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`);
}

/** Rejects when the signal aborts, whether or not the work under it notices. */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * A failure once the deadline passed says so; the caller's abort says it was the caller's;
 * anything else is the error itself.
 */
export function timeoutOr(
  error: unknown,
  callerSignal: AbortSignal,
  deadline: AbortSignal,
  timeoutMs: number,
): Error {
  if (callerSignal.aborted) return new Error(abortedReason(callerSignal), { cause: error });
  if (deadline.aborted) return new Error(noAnswerWithin(timeoutMs), { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}
