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
import { openCredentials } from "./credentials";
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
  switch (d.type) {
    case "cloudflare_queue":
      return sendToCloudflareQueue(target.url, credentials, message, options);
    case "sqs":
      return sendToSqs(target.url, d, credentials, message, options);
    case "eventbridge":
      return sendToEventBridge(target.url, d, credentials, message, options);
    case "pubsub":
      return sendToPubSub(target.url, d, credentials, message, options);
  }
}
