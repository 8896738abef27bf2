/**
 * Amazon SQS SendMessage (AWS JSON 1.0 protocol). The message body is the
 * format's body, byte for byte; the format's headers are String message
 * attributes (at most 10, SQS's limit: the formats send at most 8). A FIFO
 * queue (`.fifo`) gets MessageGroupId = the webhook's id (one ordered stream
 * per webhook) and MessageDeduplicationId = webhook-id (the event id), so a
 * retry within SQS's 5-minute window is not queued twice.
 * Needs sqs:SendMessage on the queue.
 */
import type { QueueDestination } from "../../webhooks/destination-schemas";
import type { AttemptResult } from "../http-attempt";
import { awsCall } from "./aws";
import type { Credentials } from "./credentials";
import type { Message } from "./message";
import type { SendOptions } from "./send-options";

type Sqs = Extract<QueueDestination, { type: "sqs" }>;

const SQS_MAX_ATTRIBUTES = 10;

export function sqsBody(d: Sqs, message: Message): string {
  const attributes = Object.fromEntries(
    Object.entries(message.attributes)
      .slice(0, SQS_MAX_ATTRIBUTES)
      .map(([k, v]) => [k, { DataType: "String", StringValue: v }]),
  );
  const fifo = d.queue_url.endsWith(".fifo")
    ? { MessageGroupId: message.webhookId, MessageDeduplicationId: message.attributes["webhook-id"] ?? crypto.randomUUID() }
    : {};
  return JSON.stringify({ QueueUrl: d.queue_url, MessageBody: message.body, MessageAttributes: attributes, ...fifo });
}

export function sendToSqs(url: string, d: Sqs, credentials: Credentials, message: Message, options: SendOptions): Promise<AttemptResult> {
  return awsCall(
    { url, service: "sqs", region: d.region, target: "AmazonSQS.SendMessage", contentType: "application/x-amz-json-1.0", body: sqsBody(d, message) },
    credentials,
    options,
  );
}
