/**
 * Google Pub/Sub publish: POST /v1/projects/<p>/topics/<t>:publish with a
 * bearer token from the service account (google-token.ts), one message:
 * `data` = base64 of the format's body (byte for byte), `attributes` = the
 * format's headers. Pub/Sub's throttling answer is 429 RESOURCE_EXHAUSTED,
 * retried like any 429. Needs pubsub.topics.publish (roles/pubsub.publisher).
 */
import type { QueueDestination } from "../../webhooks/destination-schemas";
import { toBase64 } from "../../signing/encoding";
import type { AttemptResult } from "../http-attempt";
import { postOnce } from "../http-attempt";
import type { Credentials } from "./credentials";
import { accessToken, forgetToken } from "./google-token";
import type { Message } from "./message";
import type { SendOptions } from "./send-options";
import { parseServiceAccount } from "./service-account";
import { tokenUrl } from "./targets";

type PubSub = Extract<QueueDestination, { type: "pubsub" }>;

export function publishBody(message: Message): string {
  return JSON.stringify({ messages: [{ data: toBase64(new TextEncoder().encode(message.body)), attributes: message.attributes }] });
}

export async function sendToPubSub(url: string, d: PubSub, credentials: Credentials, message: Message, options: SendOptions): Promise<AttemptResult> {
  const startedAt = Date.now();
  const parsed = parseServiceAccount(credentials.service_account_json);
  if (!parsed.ok) return { startedAt, durationMs: 0, errorClass: "auth", errorMessage: `The stored service account key is unusable: ${parsed.problem}.` };
  const tokenAt = tokenUrl(d);
  const token = await accessToken(tokenAt, parsed.account, options);
  if ("failed" in token) return { ...token.failed, startedAt, durationMs: Date.now() - startedAt };
  const result = await postOnce(url, { authorization: `Bearer ${token.token}`, "content-type": "application/json" }, publishBody(message), options.timeoutMs, options.cutAfterMs);
  if (result.status === 401) forgetToken(tokenAt, parsed.account);
  // The attempt's time includes the token exchange, when there was one.
  return { ...result, startedAt, durationMs: Date.now() - startedAt };
}
