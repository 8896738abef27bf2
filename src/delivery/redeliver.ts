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
 * flight, so that case is refused (409 `conflict`): see IN_FLIGHT_SQL.
 */
import { namespaceEnv, shardDb } from "../db/shards";
import { ATTEMPT_SLOTS } from "../db/schema";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { enqueueDeliveries } from "../events/publish";
import { deliveryId } from "../ids";
import { UNRECORDED_CLAIM_SQL } from "./claims";

/**
 * An attempt of delivery `d` is running: it is pending, its last claimed
 * attempt (number d.attempts) has no attempt row yet (the consumer writes it
 * when the attempt ends), and the claim's lease (next_attempt_at) has not
 * run out. The attempt row is found by rowid, so this costs one lookup.
 */
const IN_FLIGHT_SQL = `(d.status = 'pending' AND d.next_attempt_at > ?2 AND ${UNRECORDED_CLAIM_SQL})`;

/** The last attempt number must stay inside the delivery's rowid range of attempts. */
export const MAX_ATTEMPT_NUMBER = ATTEMPT_SLOTS - 1;

type Target = {
  status: string;
  attempts: number;
  webhook_id: string;
  webhook_active: number | null;
  disabled_reason: string | null;
  in_flight: number;
};

export async function redeliver(env: AppEnv, namespace: string, seq: number, now = Date.now()): Promise<{ delivery_id: string }> {
  const senv = await namespaceEnv(env, namespace);
  const db = shardDb(senv);
  const target = await db
    .prepare(
      `SELECT d.status, d.attempts, d.webhook_id, w.active AS webhook_active, w.disabled_reason, ${IN_FLIGHT_SQL} AS in_flight
       FROM deliveries d LEFT JOIN webhooks w ON w.id = d.webhook_id
       WHERE d.seq = ?1 AND d.namespace = ?3`,
    )
    .bind(seq, now, namespace)
    .first<Target>();
  if (!target) throw new ApiError("not_found", "No such delivery.");
  if (target.webhook_active === null) {
    throw new ApiError("webhook_disabled", "The webhook of this delivery was deleted; there is nothing to redeliver to.");
  }
  if (!target.webhook_active) throw disabled(target.disabled_reason);
  if (target.in_flight) {
    throw new ApiError("conflict", "An attempt of this delivery is running right now; redeliver once it has finished.");
  }
  if (target.attempts >= MAX_ATTEMPT_NUMBER) {
    throw new ApiError("conflict", `This delivery has had ${target.attempts} attempts, the most one delivery can record.`);
  }

  // The same checks again inside the write, so a concurrent claim, disable or
  // delete between the read and here cannot slip through.
  const updated = await db
    .prepare(
      `UPDATE deliveries AS d SET status = 'pending', manual = 1, failure_reason = NULL,
         next_attempt_at = ?2, enqueued_at = ?2, updated_at = ?2
       WHERE d.seq = ?1 AND d.namespace = ?3 AND d.attempts < ?4 AND NOT ${IN_FLIGHT_SQL}
         AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND w.active = 1)
       RETURNING seq`,
    )
    .bind(seq, now, namespace, MAX_ATTEMPT_NUMBER)
    .first<{ seq: number }>();
  if (!updated) throw new ApiError("conflict", "The delivery changed while it was being redelivered; try again.");

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
