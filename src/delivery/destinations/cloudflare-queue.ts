/**
 * Cloudflare Queues over HTTP ("Publish to a Queue via HTTP"): POST
 * /client/v4/accounts/{account_id}/queues/{queue_id}/messages with
 * `Authorization: Bearer <token with Queues Edit>` and `{"body": ...}`; the
 * service answers `{"success": true}`. Queue messages carry no attributes, so
 * the message body is the envelope `{"headers": {...}, "body": "<exact body>"}`
 * (the body as a string, so a consumer can check the signature over it).
 */
import { postOnce, type AttemptResult } from "../http-attempt";
import type { Credentials } from "./credentials";
import { answerJson, envelope, type Message } from "./message";
import type { SendOptions } from "./send-options";

export async function sendToCloudflareQueue(url: string, credentials: Credentials, message: Message, options: SendOptions): Promise<AttemptResult> {
  const headers = { authorization: `Bearer ${credentials.api_token}`, "content-type": "application/json" };
  const result = await postOnce(url, headers, `{"body":${envelope(message, true)}}`, options.timeoutMs, options.cutAfterMs);
  if (result.status === undefined || result.errorClass || result.status < 200 || result.status >= 300) return result;
  // A 2xx whose envelope does not say success did not take the message.
  if (answerJson(result.body)?.success !== true) return { ...result, errorClass: "rejected", errorMessage: "Cloudflare Queues did not answer success: true." };
  return result;
}
