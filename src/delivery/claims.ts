/**
 * What a claim looks like in D1 (the claim statement, db/stores/deliveries.ts): the claim adds one
 * to `attempts`, sets `next_attempt_at` to the lease's end and `updated_at` to
 * the claim time; the attempt's record (attempt 1 in the delivery row, later
 * ones a row of `attempts`: attempt-log.ts) is written only when the attempt ends. So "the last claimed attempt has no
 * row" means an attempt is running, or (once the lease has passed) that the
 * Worker holding it died. At most one rowid lookup per delivery checked.
 */
import { D } from "../db/stores/names";
import { attemptRecordedSql } from "./attempt-log";

/** SQL condition on the deliveries row aliased `d`. */
export const UNRECORDED_CLAIM_SQL = `(d.${D.attempts} > 0 AND NOT ${attemptRecordedSql(`d.${D.attempts}`)})`;

/**
 * An attempt of delivery `d` is running (?2 = now): it is pending, its last
 * claimed attempt has no record yet (the consumer writes it when the attempt
 * ends), and the claim's lease (next_attempt_at) has not run out. The
 * attempt row is found by rowid, so this costs one lookup. A redelivery is
 * refused while it holds (delivery/redeliver.ts).
 */
export const ATTEMPT_RUNNING_SQL = `(d.${D.status} = 'pending' AND d.${D.nextAttemptAt} > ?2 AND ${UNRECORDED_CLAIM_SQL})`;
