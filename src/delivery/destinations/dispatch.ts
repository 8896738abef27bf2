/**
 * The seam between the pipeline and a destination: one attempt's message goes
 * out through the destination's sender (one module per service, beside
 * http-attempt.ts) and comes back as an AttemptResult, the service's answer
 * recorded like any response. Everything around it (claim, format, signing,
 * settle, record) is the same for every destination.
 */
import type { StoredDestination } from "../../db/schema";
import type { QueueDestination } from "../../webhooks/destination-schemas";
import type { AttemptResult } from "../http-attempt";
import { sendToCloudflareQueue } from "./cloudflare-queue";
import { openCredentials, type Credentials } from "./credentials";
import { sendToEventBridge } from "./eventbridge";
import { sendToPubSub } from "./pubsub";
import { sendToSqs } from "./sqs";
import type { Message } from "./message";
import type { SendOptions } from "./send-options";
import type { SecretsKeys } from "../../security/secret-box";

export type DestinationTarget = { webhookId: string; url: string; destination: StoredDestination; sealed: string | null };

export async function sendToDestination(keys: SecretsKeys, target: DestinationTarget, message: Message, options: SendOptions): Promise<AttemptResult> {
  if (!target.sealed) throw new Error("destination without credentials");
  const credentials = await openCredentials(keys, target.webhookId, target.sealed);
  const d = target.destination as QueueDestination;
  return scrubbed(await send(d, target.url, credentials, message, options), Object.values(credentials));
}

function send(d: QueueDestination, url: string, credentials: Credentials, message: Message, options: SendOptions): Promise<AttemptResult> {
  switch (d.type) {
    case "cloudflare_queue":
      return sendToCloudflareQueue(url, credentials, message, options);
    case "sqs":
      return sendToSqs(url, d, credentials, message, options);
    case "eventbridge":
      return sendToEventBridge(url, d, credentials, message, options);
    case "pubsub":
      return sendToPubSub(url, d, credentials, message, options);
  }
}

/**
 * The answer as the attempt log keeps it, with every credential cut out: some
 * services echo an access key id in an error ("The AWS Access Key Id ... does
 * not exist"), and the log must never hold one.
 */
function scrubbed(result: AttemptResult, secrets: string[]): AttemptResult {
  const cut = (text: string) => secrets.reduce((t, s) => (s.length >= 8 ? t.split(s).join("[redacted]") : t), text);
  return {
    ...result,
    body: result.body === undefined ? undefined : cut(result.body),
    headers: result.headers === undefined ? undefined : Object.fromEntries(Object.entries(result.headers).map(([k, v]) => [k, cut(v)])),
    errorMessage: result.errorMessage === undefined ? undefined : cut(result.errorMessage),
  };
}
