/**
 * What a claim looks like in D1 (the consumer's CLAIM_SQL): the claim adds one
 * to `attempts`, sets `next_attempt_at` to the lease's end and `updated_at` to
 * the claim time; the attempt's record (attempt 1 in the delivery row, later
 * ones a row of `attempts`: attempt-log.ts) is written only when the attempt ends. So "the last claimed attempt has no
 * row" means an attempt is running, or (once the lease has passed) that the
 * Worker holding it died. At most one rowid lookup per delivery checked.
 */
import { attemptRecordedSql } from "./attempt-log";

/** SQL condition on the deliveries row aliased `d`. */
export const UNRECORDED_CLAIM_SQL = `(d.attempts > 0 AND NOT ${attemptRecordedSql("d.attempts")})`;
