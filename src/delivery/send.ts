/**
 * Prepare and send one claimed delivery: check the URL, unseal the secrets,
 * build and sign the request in the webhook's format, POST it once with the
 * webhook's timeout. Never throws: a request that cannot even be prepared
 * (say, a secret that no longer unseals) is a failed attempt on record.
 */
import type { Config } from "../config";
import type { AppEnv } from "../env";
import { sendableCustomHeaders } from "../security/custom-headers";
import { checkTargetUrl } from "../security/ssrf-guard";
import { currentSecretOf, previousSecretOf, unseal } from "../security/secret-box";
import { usage } from "../usage";
import type { Claim, ClaimedEvent, ClaimedWebhook } from "./claim";
import { buildRequest } from "./formats";
import { postOnce, type AttemptResult } from "./http-attempt";
import { redactSignatures } from "./redact";
import { sendToDestination } from "./destinations/dispatch";
import { messageOf } from "./destinations/message";

export type Sent = { urlAllowed: boolean; requestHeaders: Record<string, string>; attempt: AttemptResult };

/** A claim whose webhook and event still exist: what can be sent. */
type SendableClaim = Claim & { webhook: ClaimedWebhook; event: ClaimedEvent };

/** `cutAfterMs`: on the main lane, how long to wait for the response's status before handing the delivery to the slow lane. */
export async function prepareAndSend(env: AppEnv, cfg: Config, claim: SendableClaim, now: number, cutAfterMs?: number): Promise<Sent> {
  try {
    return await send(env, cfg, claim, now, cutAfterMs);
  } catch (err) {
    console.error("could not prepare a delivery", { delivery: claim.seq, error: String(err) });
    const attempt: AttemptResult = { startedAt: now, durationMs: 0, errorClass: "internal", errorMessage: "The request could not be prepared." };
    return { urlAllowed: true, requestHeaders: {}, attempt };
  }
}

async function send(env: AppEnv, cfg: Config, claim: SendableClaim, now: number, cutAfterMs?: number): Promise<Sent> {
  const { webhook, event } = claim;
  const verdict = checkTargetUrl(webhook.url, cfg.guard);
  if (!verdict.ok) {
    const attempt: AttemptResult = { startedAt: now, durationMs: 0, errorClass: "url_not_allowed", errorMessage: `The webhook URL ${verdict.reason}.` };
    return { urlAllowed: false, requestHeaders: {}, attempt };
  }
  const secrets = {
    current: webhook.secret_sealed ? await unseal(env, webhook.secret_sealed, currentSecretOf(webhook.id)) : null,
    previous:
      webhook.previous_secret_sealed && (webhook.previous_secret_expires_at ?? 0) > now
        ? await unseal(env, webhook.previous_secret_sealed, previousSecretOf(webhook.id))
        : null,
  };
  // Rows stored before the custom-header checks may hold forged or broken ones: never sent.
  const custom = sendableCustomHeaders(storedCustomHeaders(webhook.headers));
  const request = await buildRequest(
    webhook.format,
    { id: event.id, namespace: claim.namespace, type: event.type, data: event.data, createdAt: event.created_at, test: event.test === 1 },
    { id: webhook.id, name: webhook.name },
    secrets,
    Math.floor(Date.now() / 1000),
  );
  // Custom headers never override ours; their values stay out of the log.
  const sent = { ...custom, ...request.headers };
  // Signatures are stored redacted: formats without a timestamp could be replayed from the log.
  const requestHeaders: Record<string, string> = redactSignatures(request.headers);
  for (const k of Object.keys(custom)) if (!(k.toLowerCase() in request.headers)) requestHeaders[k] = "[redacted]";
  usage.deliveryAttempts++;
  const options = { timeoutMs: webhook.timeout_ms ?? cfg.deliveryTimeoutMs, cutAfterMs };
  if (webhook.destination) {
    // Another destination: the same request, as a message on the service (destinations/dispatch.ts).
    const target = { webhookId: webhook.id, url: webhook.url, destination: webhook.destination, sealed: webhook.destination_sealed };
    const attempt = await sendToDestination(env, target, messageOf(request.headers, request.body, event.type, webhook.id), options);
    return { urlAllowed: true, requestHeaders: redactSignatures(request.headers), attempt };
  }
  const attempt = await postOnce(webhook.url, sent, request.body, options.timeoutMs, options.cutAfterMs);
  return { urlAllowed: true, requestHeaders, attempt };
}

/**
 * The webhook's custom headers as stored. A row that does not parse (only a
 * hand-edited one: the API validates) sends none, and its text, which may hold
 * header values, never reaches an error message or the log.
 */
function storedCustomHeaders(json: string): Record<string, string> {
  try {
    return JSON.parse(json || "{}") as Record<string, string>;
  } catch {
    return {};
  }
}
