/**
 * Amazon EventBridge PutEvents (AWS JSON 1.1 protocol), one entry: Source =
 * the destination's source, DetailType = the event type, Detail =
 * `{"headers": {...}, "body": <the format's body>}` (EventBridge has no
 * attributes; the body stays JSON so rules can match on its fields).
 * EventBridge answers 200 even when it refused the entry: FailedEntryCount > 0
 * fails the attempt (`throttled` for ThrottlingException, else `rejected`).
 * Needs events:PutEvents on the bus.
 */
import type { QueueDestination } from "../../webhooks/destination-schemas";
import type { AttemptResult } from "../http-attempt";
import { awsCall, isThrottling } from "./aws";
import type { Credentials } from "./credentials";
import { answerJson, envelope, type Message } from "./message";
import type { SendOptions } from "./send-options";

type EventBridge = Extract<QueueDestination, { type: "eventbridge" }>;

export function putEventsBody(d: EventBridge, message: Message): string {
  return JSON.stringify({ Entries: [{ Source: d.source, DetailType: message.eventType, Detail: envelope(message, false), EventBusName: d.event_bus_name }] });
}

export async function sendToEventBridge(url: string, d: EventBridge, credentials: Credentials, message: Message, options: SendOptions): Promise<AttemptResult> {
  const result = await awsCall(
    { url, service: "events", region: d.region, target: "AWSEvents.PutEvents", contentType: "application/x-amz-json-1.1", body: putEventsBody(d, message) },
    credentials,
    options,
  );
  if (result.status === undefined || result.errorClass || result.status < 200 || result.status >= 300) return result;
  const answer = answerJson(result.body);
  const failed = typeof answer?.FailedEntryCount === "number" ? answer.FailedEntryCount : 0;
  if (failed === 0 && answer !== null) return result;
  const entry = (Array.isArray(answer?.Entries) ? answer.Entries[0] : undefined) as { ErrorCode?: string; ErrorMessage?: string } | undefined;
  const code = entry?.ErrorCode ?? "no answer";
  return isThrottling(code)
    ? { ...result, errorClass: "throttled", errorMessage: `EventBridge throttled the entry (${code}).` }
    : { ...result, errorClass: "rejected", errorMessage: `EventBridge did not take the entry (${code}${entry?.ErrorMessage ? `: ${entry.ErrorMessage}` : ""}).` };
}
