// A digest as the message a sink sends (src/sinks/types.ts SinkMessage): each form made when the
// sink asks for it, from the pure formats in format.ts and format-log.ts.
import type { SinkMessage } from "../sinks/types.js";
import {
  alertmanagerPayload,
  emailBody,
  emailIdHeaders,
  emailSubject,
  slackText,
  webhookJson,
} from "./format.js";
import { logRecords } from "./format-log.js";
import type { Digest } from "./types.js";

/** `now`: the clock of Alertmanager's endsAt (read when the sink sends). */
export function messageOf(digest: Digest, now: () => Date): SinkMessage {
  return {
    host: digest.host,
    test: digest.test,
    mail: () => ({
      subject: emailSubject(digest),
      text: emailBody(digest),
      ...emailIdHeaders(digest),
    }),
    chatText: () => slackText(digest),
    document: () => webhookJson(digest),
    alerts: (ttlMs) => alertmanagerPayload(digest, now(), ttlMs),
    logRecords: () => logRecords(digest),
  };
}
