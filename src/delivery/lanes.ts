/**
 * The two delivery lanes. The main lane carries first attempts to healthy,
 * prompt webhooks; the slow lane carries retries, every delivery of a webhook
 * that is failing, slow or whose circuit is not closed, and any delivery whose
 * receiver did not answer within SLOW_RECEIVER_MS on the main lane, so a
 * hanging receiver only ever holds up slow-lane invocations. Both carry the
 * same message, one per delivery, passed on as it came (`{ d: seq }` today).
 */
import { MAX_QUEUE_DELAY_SECONDS } from "../config";
import type { AppEnv, DeliveryMessage } from "../env";
import { usage } from "../usage";

export const SLOW_QUEUE = "ci-webhooks-deliveries-slow";
export type Lane = "main" | "slow";

export function laneOf(queue: string): Lane {
  return queue === SLOW_QUEUE ? "slow" : "main";
}

/**
 * Queue retries of one message before a deferral re-sends it as a fresh
 * message instead: waiting on an open circuit or a rate limit must never use
 * up max_retries (20) and end in the dead-letter queue.
 */
const RETRY_BUDGET = 15;

const clampDelay = (seconds: number) => Math.max(0, Math.min(Math.ceil(seconds), MAX_QUEUE_DELAY_SECONDS));

/** Hands the delivery to the slow lane (after `delaySeconds`), then acks this message: still one message per delivery. */
export async function moveToSlowLane(env: AppEnv, message: Message<DeliveryMessage>, delaySeconds: number): Promise<void> {
  await env.SLOW_DELIVERIES.send(message.body, { delaySeconds: clampDelay(delaySeconds) });
  usage.queueMessagesSent++;
  usage.queueAcks++;
  message.ack();
}

/** The message comes back on its own lane after `delaySeconds`. */
export async function retryLater(env: AppEnv, lane: Lane, message: Message<DeliveryMessage>, delaySeconds: number): Promise<void> {
  const delay = clampDelay(delaySeconds);
  if (message.attempts < RETRY_BUDGET) {
    usage.queueRetries++;
    message.retry({ delaySeconds: delay });
    return;
  }
  await (lane === "slow" ? env.SLOW_DELIVERIES : env.DELIVERIES).send(message.body, { delaySeconds: delay });
  usage.queueMessagesSent++;
  usage.queueAcks++;
  message.ack();
}
