/**
 * Where attempts are stored. Attempt 1 lives in its delivery row (the
 * `first_*` columns, written by the same settle UPDATE that records its
 * outcome); attempts 2 and later are rows of `attempts` (rowid
 * `delivery_seq * ATTEMPT_SLOTS + attempt`). Attempt 1 goes to `attempts`
 * only if the claim had already moved on when it was recorded (its lease
 * passed and the sweep claimed attempt 2), so it is never lost. Readers see
 * one list either way (db/stores/attempts.ts, attemptsOfStatement).
 */
import type { SqlName } from "../db/columns";
import { DELIVERIES_T } from "../db/generations";
import { ATTEMPT_SLOTS, type attempts, type deliveries } from "../db/schema";
import { A, D } from "../db/stores/names";

/** Fields of an attempt, as the recorder's JSON rows and the readers' SQL name them. */
export const ATTEMPT_FIELDS = [
  "trigger",
  "started_at",
  "duration_ms",
  "url",
  "request_headers",
  "response_status",
  "response_headers",
  "response_body",
  "error_class",
  "error_message",
] as const satisfies readonly SqlName<typeof attempts>[];

// Each field's attempt-1 twin is a column of deliveries (a rename in schema.ts fails here).
({}) as `first_${(typeof ATTEMPT_FIELDS)[number]}` satisfies SqlName<typeof deliveries>;

/** The settle UPDATE's SET list for attempt 1 (keys `first_*` of its JSON row; absent for later attempts). */
export const FIRST_ATTEMPT_SET = ATTEMPT_FIELDS.map((f) => `first_${f} = coalesce(r.value ->> '$.first_${f}', first_${f})`).join(", ");

/**
 * The recorder's attempts INSERT keeps an attempt 1 out when the delivery's
 * claim is still attempt 1 (the settle UPDATE then stores it in the row).
 * The INSERT runs first in the batch, so both see the same claim.
 */
export const ATTEMPT_ROW_NEEDED_SQL = `(a.value ->> '$.attempt' > 1 OR NOT EXISTS
  (SELECT 1 FROM ${DELIVERIES_T} d WHERE d.${D.seq} = a.value ->> '$.delivery_seq' AND d.${D.attempts} = 1))`;

/** SQL condition on the deliveries row aliased `d`: attempt number `n` (an SQL expression) is recorded. */
export const attemptRecordedSql = (n: string) =>
  `((${n} = 1 AND d.${D.firstStartedAt} IS NOT NULL) OR EXISTS (SELECT 1 FROM attempts a WHERE a.${A.seq} = d.${D.seq} * ${ATTEMPT_SLOTS} + ${n}))`;
