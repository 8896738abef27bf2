/**
 * Redeliver one delivery: the same delivery row goes back to `pending` with
 * `manual = 1` and one queue message is sent. The consumer then makes one
 * attempt marked `manual`: same event id (`webhook-id`), a new timestamp and
 * a fresh signature. A failed manual attempt ends the delivery `failed`
 * (`manual_attempt_failed`); it never starts automatic retries.
 *
 * A delivery that is still pending may be redelivered too: the owner takes it
 * over, its next attempt is made now (manual) instead of at its scheduled
 * time, and the automatic schedule does not resume after it. The automatic
 * retry message still in the queue finds the delivery settled or not due and
 * is dropped. What must never happen is a second send while an attempt is in
 * flight, so that case is refused (409 `conflict`): see ATTEMPT_RUNNING_SQL (claims.ts).
 */
import { namespaceEnv, shardDb } from "../db/shards";
import { ATTEMPT_SLOTS } from "../db/schema";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { enqueueDeliveries } from "../events/publish";
import { deliveryId } from "../ids";
import { markRedelivered, redeliverTarget } from "../db/stores/delivery-recovery";

/** The last attempt number must stay inside the delivery's rowid range of attempts. */
export const MAX_ATTEMPT_NUMBER = ATTEMPT_SLOTS - 1;

export async function redeliver(env: AppEnv, namespace: string, seq: number, now = Date.now()): Promise<{ delivery_id: string }> {
  const senv = await namespaceEnv(env, namespace, "owner");
  const db = shardDb(senv);
  const target = await redeliverTarget(db, seq, now, namespace);
  if (!target) throw new ApiError("not_found", "No such delivery.");
  if (target.webhookActive === null) {
    throw new ApiError("webhook_disabled", "The webhook of this delivery was deleted; there is nothing to redeliver to.");
  }
  if (!target.webhookActive) throw disabled(target.disabledReason);
  if (target.webhookPolls) throw new ApiError("conflict", "A polling webhook's deliveries are not pushed: poll from an earlier cursor (or `since`) to get them again.");
  if (target.inFlight) {
    throw new ApiError("conflict", "An attempt of this delivery is running right now; redeliver once it has finished.");
  }
  if (target.attempts >= MAX_ATTEMPT_NUMBER) {
    throw new ApiError("conflict", `This delivery has had ${target.attempts} attempts, the most one delivery can record.`);
  }

  // The same checks again inside the write, so a concurrent claim, disable or
  // delete between the read and here cannot slip through.
  if (!(await markRedelivered(db, seq, now, namespace, MAX_ATTEMPT_NUMBER))) {
    throw new ApiError("conflict", "The delivery changed while it was being redelivered; try again.");
  }

  // If sending fails, the recovery sweep sends the message later.
  await enqueueDeliveries(senv, [seq]);
  return { delivery_id: deliveryId(seq) };
}

export function disabled(reason: string | null): ApiError {
  return new ApiError(
    "webhook_disabled",
    `The webhook is disabled${reason ? ` (${reason})` : ""}. Re-enable it with PATCH {"active": true} first.`,
  );
}
